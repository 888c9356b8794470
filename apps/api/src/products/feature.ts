import { defineFeature } from '../feature.js';
import { productRoutes } from './routes.js';
import { createProductService } from './service.js';

/** Products: stock, stock adjustments and low-stock warnings. */
export const productsFeature = defineFeature({
  name: 'products',
  async register(app, { pool, unitOfWork, config }) {
    await productRoutes(app, { service: createProductService({ pool, unitOfWork, eventSource: config.eventSource }) });
  },
});

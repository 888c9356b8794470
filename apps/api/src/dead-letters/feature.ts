import { defineFeature } from '../feature.js';
import { deadLetterRoutes } from './routes.js';
import { createDeadLetterService } from './service.js';

/** Listing and re-driving the consumers' dead letters. */
export const deadLettersFeature = defineFeature({
  name: 'dead-letters',
  async register(app, { pool, unitOfWork, transport, config }) {
    await deadLetterRoutes(app, {
      service: createDeadLetterService({ pool, unitOfWork, transport, topicPrefix: config.topicPrefix }),
    });
  },
});

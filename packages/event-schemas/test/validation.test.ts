import t from 'tap';
import {
  EventValidationError,
  createEvent,
  eventCatalog,
  eventTypes,
  parseEvent,
  validateEvent,
  type ProductCreatedData,
} from '@herald/event-schemas';

const productId = '018f2b6e-8c1a-7b3e-9f10-2a4b6c8d0e1f';
const product: ProductCreatedData['product'] = {
  id: productId,
  sku: 'TEA-01',
  name: 'Green tea',
  description: '',
  price: { amount: 450, currency: 'EUR' },
  stock: 20,
  low_stock_threshold: 5,
  created_at: '2026-01-01T00:00:00.000Z',
  updated_at: '2026-01-01T00:00:00.000Z',
  version: 1,
};

t.test('createEvent builds a complete CloudEvents 1.0 envelope', async (t) => {
  const event = createEvent({ type: 'ProductCreated', subject: productId, source: '/herald/api', data: { product } });
  t.equal(event.specversion, '1.0');
  t.equal(event.type, 'ProductCreated');
  t.equal(event.subject, productId);
  t.equal(event.datacontenttype, 'application/json');
  t.equal(event.dataschema, 'urn:herald:event:ProductCreated:1');
  t.match(event.id, /^[0-9a-f-]{36}$/);
  t.ok(!Number.isNaN(Date.parse(event.time)));
  t.same(validateEvent(event), { valid: true, event });
});

t.test('createEvent refuses data that breaks the schema', async (t) => {
  t.throws(
    () =>
      createEvent({
        type: 'ProductCreated',
        subject: productId,
        source: '/herald/api',
        data: { product: { ...product, stock: -1 } },
      }),
    EventValidationError,
  );
});

t.test('data schemas are closed: an unknown field is named in the issues', async (t) => {
  const event = createEvent({ type: 'ProductCreated', subject: productId, source: '/herald/api', data: { product } });
  const result = validateEvent({ ...event, data: { product: { ...product, colour: 'green' } } });
  t.equal(result.valid, false);
  if (!result.valid) t.same(result.issues.map((i) => i.path), ['/data/product/colour']);
});

t.test('an event of an unknown type is invalid', async (t) => {
  const result = validateEvent({ type: 'ProductTeleported' });
  t.equal(result.valid, false);
  if (!result.valid) t.equal(result.issues[0]?.path, '/type');
});

t.test('parseEvent reports text that is not JSON instead of throwing', async (t) => {
  const result = parseEvent('{"type":');
  t.equal(result.valid, false);
  if (!result.valid) t.match(result.issues[0]?.message, /not JSON/);
});

t.test('an envelope with a dataschema of another version is rejected', async (t) => {
  const event = createEvent({ type: 'ProductCreated', subject: productId, source: '/herald/api', data: { product } });
  const result = validateEvent({ ...event, dataschema: 'urn:herald:event:ProductCreated:2' });
  t.equal(result.valid, false);
});

t.test('every catalogued schema is closed at the envelope and at data', async (t) => {
  for (const type of eventTypes) {
    const { schema } = eventCatalog[type];
    t.equal(schema.additionalProperties, false, `${type} envelope is closed`);
    t.equal(schema.properties.data.additionalProperties, false, `${type} data is closed`);
    t.equal(schema.$id, `urn:herald:event:${type}:${eventCatalog[type].version}`);
  }
});

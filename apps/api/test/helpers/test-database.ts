// One place for the per-file test database: the runner's package provides it to every workspace.
export { createTestDatabase, testServerUrl } from '@herald/stack';

// Filled in by the database foundation: prepares the PostgreSQL the integration tests use.
export default function setup(): void {}

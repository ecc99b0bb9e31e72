import 'reflect-metadata';
import { createExampleApp } from './example.app.js';

const app = await createExampleApp();
await app.listen(Number(process.env.PORT ?? 3100), process.env.HOST ?? '127.0.0.1');

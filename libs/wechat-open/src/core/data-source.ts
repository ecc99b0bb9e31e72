import { Inject, Provider } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';

/**
 * The host's TypeORM DataSource the library works in (the default one, or the one named in the
 * module's `dataSource`). Every repository of the library injects it through this token.
 */
export const WECHAT_OPEN_DATA_SOURCE = Symbol('WECHAT_OPEN_DATA_SOURCE');

/** Injects the library's DataSource (see WECHAT_OPEN_DATA_SOURCE). */
export const InjectWechatOpenDataSource = (): ParameterDecorator & PropertyDecorator =>
  Inject(WECHAT_OPEN_DATA_SOURCE);

/** Points the library's token at the host's DataSource: its name is static, like forFeature's. */
export function dataSourceProvider(name?: string): Provider {
  return { provide: WECHAT_OPEN_DATA_SOURCE, useExisting: getDataSourceToken(name) };
}

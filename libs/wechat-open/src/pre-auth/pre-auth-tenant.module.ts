import { Global, Module, Provider } from '@nestjs/common';
import { TenantResolver } from '../authorizer/authorizer.types.js';
import { sha256 } from '../authorizer/code-hash.js';
import { TENANT_RESOLVER } from '../authorizer/tenant-resolver.js';
import { PreAuthRepository } from './pre-auth.repository.js';

/** The tenant a pre_auth_code was minted for: the session that opened it, of the same component. */
const tenantResolver: Provider = {
  provide: TENANT_RESOLVER,
  useFactory:
    (repo: PreAuthRepository): TenantResolver =>
    async (componentAppid, preAuthCode) => {
      const session = await repo.findByPreAuthCodeHash(sha256(preAuthCode));
      return session && session.componentAppid === componentAppid
        ? { tenantId: session.tenantId, sessionId: session.id }
        : null;
    },
  inject: [PreAuthRepository],
};

/**
 * Provides TENANT_RESOLVER to the Authorizer module's code redemption. Global because the
 * Authorizer module cannot import the PreAuth module (which imports it); it exports nothing else.
 * Imported by PreAuthModule: without PreAuth, redemption binds only tenants callers name.
 */
@Global()
@Module({
  providers: [PreAuthRepository, tenantResolver],
  exports: [TENANT_RESOLVER],
})
export class PreAuthTenantModule {}

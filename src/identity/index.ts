export { ANONYMOUS, createAuthContext } from './auth-context.js'
export type { AuthContext, AuthContextInput, AuthMethod } from './auth-context.js'
export { identityRequestFrom, readBearerToken, readHeader } from './provider.js'
export type { IdentityProvider, IdentityProviderType, IdentityRequest } from './provider.js'
export {
  API_KEY_MARKER,
  createApiKeyProvider,
  createMemoryApiKeyStore,
  generateApiKey,
  hashApiKey,
} from './api-key.js'
export type {
  ApiKeyProviderOptions,
  ApiKeyRecord,
  ApiKeyStore,
  GeneratedApiKey,
} from './api-key.js'
export { FileApiKeyStore, readApiKeysFile, writeApiKeysFile } from './api-key-file.js'
export { createJwtProvider } from './jwt.js'
export type { JwtProviderOptions } from './jwt.js'
export { ASYMMETRIC_ALGORITHMS, HMAC_ALGORITHMS } from './jwks.js'
export type { JwtKeySource } from './jwks.js'
export { createHeaderProvider } from './header.js'
export type { HeaderProviderOptions } from './header.js'
export { createStaticProvider, parsePrincipalSpec } from './static.js'
export type { StaticPrincipal } from './static.js'
export { IdentityChain } from './chain.js'
export { createIdentityChain } from './create-identity-chain.js'
export type { IdentityChainOptions } from './create-identity-chain.js'
export { identityConfigSchema, identityProviderConfigSchema } from './config.js'
export type {
  ApiKeyConfig,
  HeaderConfig,
  IdentityConfigInput,
  IdentityProviderConfig,
  JwtConfig,
  StaticConfig,
} from './config.js'
export { IdentityConfigError } from './config-error.js'
export { InsufficientScopeError, requireScopes } from './scope.js'
export { authChallenge } from './http-challenge.js'
export type { AuthChallengeOptions, AuthChallengeResponse } from './http-challenge.js'
export {
  createProtectedResourceHandler,
  PROTECTED_RESOURCE_WELL_KNOWN,
  protectedResourceMetadata,
  protectedResourceMetadataUrl,
} from './protected-resource.js'
export type { ProtectedResourceMetadata, ProtectedResourceOptions } from './protected-resource.js'

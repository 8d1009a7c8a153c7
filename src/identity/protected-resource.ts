import type { IncomingMessage, ServerResponse } from 'node:http'
import { IdentityConfigError } from './config-error.js'
import { requireSecureUrl } from './secure-url.js'

export const PROTECTED_RESOURCE_WELL_KNOWN = '/.well-known/oauth-protected-resource'

/** What the operator states about this resource; field names are RFC 9728's. */
export interface ProtectedResourceOptions {
  /** This server's resource identifier (`https://mcp.example.com/mcp`); JWT `aud` must name it. */
  resource: string
  /** Issuer URLs of the OAuth authorization servers that mint tokens for it. */
  authorization_servers?: readonly string[]
  scopes_supported?: readonly string[]
  resource_name?: string
  resource_documentation?: string
}

/** The RFC 9728 protected resource metadata document. */
export interface ProtectedResourceMetadata {
  resource: string
  authorization_servers?: string[]
  scopes_supported?: string[]
  /** Tokens are read from the Authorization header only, never from a body or query. */
  bearer_methods_supported: ['header']
  resource_name?: string
  resource_documentation?: string
}

/** Validates the options (start-up errors name the field) and builds the document. */
export function protectedResourceMetadata(
  options: ProtectedResourceOptions,
): ProtectedResourceMetadata {
  const resource = requireSecureUrl('resource', options.resource)
  if (resource.hash !== '') {
    throw new IdentityConfigError('resource', 'must not have a fragment (RFC 9728 §1.2)')
  }
  const servers = (options.authorization_servers ?? []).map((server, index) => {
    requireSecureUrl(`authorization_servers[${index}]`, server)
    return server
  })
  if (options.resource_documentation) {
    requireSecureUrl('resource_documentation', options.resource_documentation)
  }
  return {
    resource: options.resource,
    ...(servers.length > 0 ? { authorization_servers: servers } : {}),
    ...(options.scopes_supported ? { scopes_supported: [...options.scopes_supported] } : {}),
    bearer_methods_supported: ['header'],
    ...(options.resource_name ? { resource_name: options.resource_name } : {}),
    ...(options.resource_documentation
      ? { resource_documentation: options.resource_documentation }
      : {}),
  }
}

/**
 * Where the metadata lives (RFC 9728 §3.1): the well-known path inserted between the host
 * and the resource's path, `https://h/mcp` → `https://h/.well-known/oauth-protected-resource/mcp`.
 */
export function protectedResourceMetadataUrl(resource: string): string {
  const url = new URL(resource)
  const path = url.pathname === '/' ? '' : url.pathname
  return `${url.origin}${PROTECTED_RESOURCE_WELL_KNOWN}${path}${url.search}`
}

/**
 * A node:http handler serving the document at the RFC 9728 path and at the bare
 * well-known path (clients that ignore the resource path look there). It returns false,
 * untouched, for any other path so the caller can route on.
 */
export function createProtectedResourceHandler(
  options: ProtectedResourceOptions,
): (request: IncomingMessage, response: ServerResponse) => boolean {
  const body = JSON.stringify(protectedResourceMetadata(options))
  const servedPaths = new Set([
    PROTECTED_RESOURCE_WELL_KNOWN,
    new URL(protectedResourceMetadataUrl(options.resource)).pathname,
  ])
  return (request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname
    if (!servedPaths.has(path)) return false
    const cors = { 'access-control-allow-origin': '*' }
    if (request.method === 'OPTIONS') {
      response.writeHead(204, { ...cors, 'access-control-allow-methods': 'GET, HEAD, OPTIONS' })
      response.end()
    } else if (request.method === 'GET' || request.method === 'HEAD') {
      response.writeHead(200, {
        ...cors,
        'content-type': 'application/json',
        'cache-control': 'public, max-age=3600',
      })
      response.end(request.method === 'GET' ? body : undefined)
    } else {
      response.writeHead(405, { ...cors, allow: 'GET, HEAD, OPTIONS' })
      response.end()
    }
    return true
  }
}

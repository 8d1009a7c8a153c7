/** /manifest.webmanifest: what Chromium needs to offer "Install app" (name, start_url, standalone, 192/512 PNG icons). */
export const WEB_MANIFEST = JSON.stringify(
  {
    id: '/',
    name: 'Warden approvals',
    short_name: 'Warden',
    description: "Approve or deny your AI agents' actions with a passkey or an authenticator code.",
    start_url: '/',
    scope: '/',
    display: 'standalone',
    orientation: 'portrait',
    background_color: '#f4f6f9',
    theme_color: '#1d3557',
    icons: [
      { src: '/icons/icon-192.png', sizes: '192x192', type: 'image/png', purpose: 'any' },
      { src: '/icons/icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'any' },
      { src: '/icons/icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
      { src: '/icons/icon.svg', sizes: 'any', type: 'image/svg+xml', purpose: 'any' },
    ],
  },
  null,
  2,
)

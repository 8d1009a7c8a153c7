// The weather server of examples/weather, unguarded, over stdio: the upstream that `npm start`
// puts the proxy in front of (examples/proxy/warden.yaml).
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js'
import { createWeatherServer } from '../weather/server.js'

await createWeatherServer().connect(new StdioServerTransport())

// The weather server, guarded, over stdio. Run from the repository root:
//   WEATHER_ROLE=intern node <built>/examples/weather/stdio.js policies/weather.yaml
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js'
import { guard } from '../../src/index.js'
import { createWeatherServer } from './server.js'

const guarded = await guard(createWeatherServer(), {
  policies: process.argv[2] ?? 'policies/weather.yaml',
  // stdio has no credential: the principal is whoever started the process.
  principal: {
    user_id: process.env.USER ?? 'local',
    roles: [process.env.WEATHER_ROLE ?? 'user'],
    method: 'static',
  },
})
await guarded.connect(new StdioServerTransport())

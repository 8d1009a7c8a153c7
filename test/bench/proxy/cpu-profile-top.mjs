// Prints the top self-time frames of a `node --cpu-prof` profile, and self time per source
// area (our dist, the MCP SDK, other packages, node internals):
//   node test/bench/proxy/cpu-profile-top.mjs <file.cpuprofile> [count] [frame-substring]
// With a frame substring, it also prints the heaviest call stacks ending in matching frames.
import console from 'node:console'
import { readFile } from 'node:fs/promises'
import process from 'node:process'

const [file, countArgument = '25', callersOf] = process.argv.slice(2)
if (!file) {
  console.error('usage: cpu-profile-top.mjs <file.cpuprofile> [count] [frame-substring]')
  process.exit(2)
}
const profile = JSON.parse(await readFile(file, 'utf8'))
const nodes = new Map(profile.nodes.map((node) => [node.id, node]))
const selfUs = new Map()
for (let i = 0; i < profile.samples.length; i++) {
  const id = profile.samples[i]
  selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0))
}
const total = [...selfUs.values()].reduce((a, b) => a + b, 0)
const parents = new Map()
for (const node of profile.nodes)
  for (const child of node.children ?? []) parents.set(child, node.id)
const byFrame = new Map()
const byArea = new Map()
for (const [id, us] of selfUs) {
  const { callFrame } = nodes.get(id)
  const frame = frameName(callFrame)
  byFrame.set(frame, (byFrame.get(frame) ?? 0) + us)
  const area = areaOf(callFrame)
  byArea.set(area, (byArea.get(area) ?? 0) + us)
}
const percent = (us) => `${((us / total) * 100).toFixed(1).padStart(5)}%`
const ms = (us) => `${(us / 1000).toFixed(0).padStart(6)} ms`
console.log(`${file}: ${(total / 1000).toFixed(0)} ms sampled`)
console.log('\nself time by area:')
for (const [area, us] of [...byArea].sort((a, b) => b[1] - a[1])) {
  console.log(`${percent(us)} ${ms(us)}  ${area}`)
}
console.log('\ntop self-time frames:')
const top = [...byFrame].sort((a, b) => b[1] - a[1]).slice(0, Number(countArgument))
for (const [frame, us] of top) console.log(`${percent(us)} ${ms(us)}  ${frame}`)

if (callersOf) {
  const stacks = new Map()
  for (const [id, us] of selfUs) {
    if (!frameName(nodes.get(id).callFrame).includes(callersOf)) continue
    const stack = []
    for (let at = id; at !== undefined && stack.length < 12; at = parents.get(at)) {
      stack.push(frameName(nodes.get(at).callFrame))
    }
    const key = stack.join('\n    ← ')
    stacks.set(key, (stacks.get(key) ?? 0) + us)
  }
  console.log(`\nheaviest stacks ending in "${callersOf}":`)
  for (const [stack, us] of [...stacks].sort((a, b) => b[1] - a[1]).slice(0, 5)) {
    console.log(`${percent(us)} ${ms(us)}  ${stack}`)
  }
}

function frameName(callFrame) {
  const where = callFrame.url ? `${shorten(callFrame.url)}:${callFrame.lineNumber + 1}` : ''
  return `${callFrame.functionName || '(anonymous)'} ${where}`.trim()
}

function shorten(url) {
  return url.replace(/^file:\/\//, '').replace(/^.*\/node_modules\//, 'node_modules/')
}

function areaOf({ url, functionName }) {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)'
  if (url.startsWith('node:')) return 'node internals'
  const inModules = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/)
  if (inModules) return inModules[1]
  const inDist = url.match(/\/dist\/([^/]+(?:\/[^/]+)?)\//)
  if (inDist) return `dist/${inDist[1]}`
  return shorten(url)
}

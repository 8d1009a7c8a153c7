import { approvalBackendContract } from './contract.js'
import { builtinOn, serviceSubject } from './service-subjects.js'

approvalBackendContract('builtin (in-process, SQLite)', () => serviceSubject(builtinOn))

import type {ConformanceCase} from '../types.js'

export const sessionCases: ConformanceCase[] = []

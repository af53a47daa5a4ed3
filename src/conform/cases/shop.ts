import type {ConformanceCase} from '../types.js'
import {shopCatalogueCases} from './shop-catalogue.js'
import {shopOrderCases} from './shop-orders.js'
import {shopPayCases} from './shop-pay.js'

/** The shop's cases (PROTOCOL.md §17), in the order of its sections: the module a case registry lists. */
export const shopCases: readonly ConformanceCase[] = [...shopCatalogueCases, ...shopOrderCases, ...shopPayCases]

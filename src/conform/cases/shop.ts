import {defineCaseModule} from '../case-module.js'
import {firstRouteProbe} from './probes.js'
import {shopCatalogueCases} from './shop-catalogue.js'
import {shopOrderCases} from './shop-orders.js'
import {shopPayCases} from './shop-pay.js'

/**
 * Shopping (PROTOCOL.md §17): the shop found by its entry and DNS, its cacheable pages, orders that
 * never oversell, exactly-once pay and payment notices. A target without a shop (not announced, or
 * its short link answers /shop/entry 404) makes each case unimplemented.
 */
export const shopCaseModule = defineCaseModule({
  flow: 'shop',
  title: 'Shopping: DNS, cacheable catalogue, orders, exactly-once pay, payment notices',
  sections: ['17'],
  probe: firstRouteProbe('shop'),
  cases: [...shopCatalogueCases, ...shopOrderCases, ...shopPayCases],
})

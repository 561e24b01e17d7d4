import type { FastifyInstance } from 'fastify';
import type { Channel } from '../../core/platform/db.js';
import type { Deliver } from './outbound.js';

/**
 * What every channel gives the runtime: its name, how a queued message (a notification, a staff
 * message) reaches one of its residents, the routes it adds to the HTTP server, and for channels
 * that hold a connection of their own, start and stop. Incoming messages go from the channel to
 * the Bot, which the channel is given when it is made.
 */
export interface ChannelAdapter {
  readonly name: Channel;
  readonly deliver: Deliver;
  routes?(app: FastifyInstance): Promise<void>;
  start?(): Promise<void>;
  stop?(): Promise<void>;
}

import type { EventId, EventStore, JSONRPCMessage, StreamId } from '@modelcontextprotocol/server';

/**
 * The messages of one 2025-11-25 Streamable HTTP session, kept so a client whose stream dropped can
 * reconnect with `Last-Event-ID` and get what it missed (the transport sends the priming event
 * that carries the first id). In memory and per session: a session lives in one process anyway.
 * Bounded: beyond `max` events the oldest are dropped, and a reconnect from before them replays
 * from the oldest kept.
 */
export class SessionEventStore implements EventStore {
  private readonly events: { id: EventId; stream: StreamId; message: JSONRPCMessage }[] = [];
  private seq = 0;

  constructor(private readonly max = 1000) {}

  async storeEvent(stream: StreamId, message: JSONRPCMessage): Promise<EventId> {
    // the stream id is part of the event id, so a reconnect names its stream without a lookup
    const id = `${stream}_${++this.seq}`;
    this.events.push({ id, stream, message });
    if (this.events.length > this.max) this.events.shift();
    return id;
  }

  async getStreamIdForEventId(id: EventId): Promise<StreamId | undefined> {
    const cut = id.lastIndexOf('_');
    return cut > 0 ? id.slice(0, cut) : undefined;
  }

  async replayEventsAfter(
    lastEventId: EventId,
    { send }: { send: (id: EventId, message: JSONRPCMessage) => Promise<void> },
  ): Promise<StreamId> {
    const stream = (await this.getStreamIdForEventId(lastEventId)) ?? '';
    const after = Number(lastEventId.slice(lastEventId.lastIndexOf('_') + 1));
    for (const e of this.events)
      if (e.stream === stream && Number(e.id.slice(e.id.lastIndexOf('_') + 1)) > after)
        await send(e.id, e.message);
    return stream;
  }
}

// A local DNS server (dns2) answering MX and A queries from a small zone, for email validation tests.
import dns2 from 'dns2';

export interface ZoneEntry {
  mx?: { exchange: string; priority: number }[];
  a?: string[];
  nullMx?: boolean;
}

export interface DnsHandle {
  /** `127.0.0.1:PORT`, for the dns adapter's servers. */
  server: string;
  queries: string[];
  close(): Promise<void>;
}

export async function startDns(zone: Record<string, ZoneEntry>): Promise<DnsHandle> {
  const { Packet } = dns2;
  const queries: string[] = [];
  const server = dns2.createServer({
    udp: true,
    handle: (request: any, send: (r: any) => void) => {
      const response = Packet.createResponseFromRequest(request);
      const [question] = request.questions;
      const name = String(question.name).toLowerCase().replace(/\.$/, '');
      queries.push(`${name}/${question.type}`);
      const entry = zone[name];
      if (!entry) {
        response.header.rcode = Packet.RCODE.NXDOMAIN;
        return send(response);
      }
      if (question.type === Packet.TYPE.MX) {
        if (entry.nullMx) response.answers.push({ name, type: Packet.TYPE.MX, class: Packet.CLASS.IN, ttl: 60, exchange: '', priority: 0 });
        for (const mx of entry.mx ?? []) response.answers.push({ name, type: Packet.TYPE.MX, class: Packet.CLASS.IN, ttl: 60, exchange: mx.exchange, priority: mx.priority });
      } else if (question.type === Packet.TYPE.A) {
        for (const address of entry.a ?? []) response.answers.push({ name, type: Packet.TYPE.A, class: Packet.CLASS.IN, ttl: 60, address });
      }
      send(response);
    },
  });
  const addr = await new Promise<{ port: number }>((ok) => {
    server.on('listening', () => ok(server.addresses().udp as { port: number }));
    server.listen({ udp: { port: 0, address: '127.0.0.1' } });
  });
  return { server: `127.0.0.1:${addr.port}`, queries, close: async () => void (await server.close()) };
}

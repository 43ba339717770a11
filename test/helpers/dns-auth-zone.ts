// A local DNS server (dns2) serving a small zone: TXT (SPF, DKIM, DMARC), MX (or a null MX) and A.
// Names not in the zone get NXDOMAIN. For doctor's SPF/DKIM/DMARC/MX tests, enrich's email validation, and
// (with a zone given as a function, to answer any name) the README walkthrough.
import dns2 from 'dns2';

export interface AuthZoneEntry {
  txt?: string[];
  mx?: { exchange: string; priority: number }[];
  a?: string[];
  /** An RFC 7505 null MX ("0 ."): the domain accepts no mail. */
  nullMx?: boolean;
}

/** Records by name, or a function of the (lower-case) name: undefined is NXDOMAIN either way. */
export type AuthZone = Record<string, AuthZoneEntry> | ((name: string) => AuthZoneEntry | undefined);

export interface AuthDns {
  /** `127.0.0.1:PORT` for OUTREACH_DNS_SERVERS / makeResolver([...]). */
  server: string;
  zone: AuthZone;
  close(): Promise<void>;
}

export async function startAuthDns(zone: AuthZone): Promise<AuthDns> {
  // dns2's bundled types lack RCODE and the MX/TXT/A record shapes.
  const Packet = (dns2 as unknown as { Packet: any }).Packet;
  const server = dns2.createServer({
    udp: true,
    handle: (request: any, send: (r: any) => void) => {
      const response = Packet.createResponseFromRequest(request);
      const [q] = request.questions;
      const name = String(q.name).toLowerCase().replace(/\.$/, '');
      const e = typeof zone === 'function' ? zone(name) : zone[name];
      if (!e) {
        response.header.rcode = Packet.RCODE.NXDOMAIN;
        return send(response);
      }
      const base = { name, class: Packet.CLASS.IN, ttl: 60 };
      if (q.type === Packet.TYPE.TXT) for (const data of e.txt ?? []) response.answers.push({ ...base, type: Packet.TYPE.TXT, data: data.match(/.{1,255}/g) ?? [''] });
      if (q.type === Packet.TYPE.MX && e.nullMx) response.answers.push({ ...base, type: Packet.TYPE.MX, exchange: '', priority: 0 });
      if (q.type === Packet.TYPE.MX) for (const m of e.mx ?? []) response.answers.push({ ...base, type: Packet.TYPE.MX, ...m });
      if (q.type === Packet.TYPE.A) for (const address of e.a ?? []) response.answers.push({ ...base, type: Packet.TYPE.A, address });
      send(response);
    },
  });
  const addr = await new Promise<{ port: number }>((ok) => {
    server.on('listening', () => ok(server.addresses().udp as { port: number }));
    server.listen({ udp: { port: 0, address: '127.0.0.1' } });
  });
  return { server: `127.0.0.1:${addr.port}`, zone, close: async () => void (await server.close()) };
}

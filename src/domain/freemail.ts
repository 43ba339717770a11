// Free-mail providers: an address there says nothing about the store's own domain (an email-only import row at
// one is refused, the inbox never links a reply by a free-mail sender's domain, enrich ranks it below the store's
// own addresses).
//
// Written for this project (not vendored): the providers' own sign-up domains, by country, cross-checked by hand
// against the providers' help pages and the public list in the `free-email-domains` npm package (MIT, derived from
// HubSpot's list), whose 4,000+ entries also hold one-off vanity and disposable domains we do not want to refuse.
// Two parts: exact registrable domains, and provider families (`hotmail`, `yahoo`, ...) that count under `.com` and
// under every country suffix (`yahoo.co.uk`, `hotmail.fr`, `outlook.de`, `live.com.au`, `gmx.at`).
import { countrySuffixDot, tidyHost } from './country-suffix.js';

/** Exact registrable domains. Subdomains count too (`mail.yahoo.co.jp`, `eu.gmx.net`): see isFreemail. */
const DOMAINS = [
  // Google, Microsoft, Apple, Yahoo/AOL (Verizon) and their aliases
  'gmail.com', 'googlemail.com', 'msn.com', 'passport.com', 'windowslive.com', 'icloud.com', 'me.com', 'mac.com',
  'ymail.com', 'rocketmail.com', 'yahoomail.com', 'aim.com', 'aol.com', 'love.com', 'wow.com', 'games.com', 'verizon.net',
  // privacy and independent providers
  'proton.me', 'protonmail.com', 'protonmail.ch', 'pm.me', 'tutanota.com', 'tutanota.de', 'tutamail.com', 'tuta.io', 'tuta.com',
  'keemail.me', 'fastmail.com', 'fastmail.fm', 'fastmail.net', 'hey.com', 'zoho.com', 'zohomail.com', 'zohomail.eu', 'zoho.eu',
  'mailbox.org', 'posteo.de', 'posteo.net', 'disroot.org', 'runbox.com', 'startmail.com', 'hushmail.com', 'mailfence.com',
  'countermail.com', 'riseup.net', 'ctemplar.com', 'skiff.com',
  // email privacy relays and hide-my-email aliases: one relay domain for every user (and `user.anonaddy.com`)
  'privaterelay.appleid.com', 'duck.com', 'mozmail.com', 'relay.firefox.com', 'simplelogin.com', 'simplelogin.co',
  'simplelogin.fr', 'simplelogin.io', 'slmail.me', 'slmails.com', 'aleeas.com', '8alias.com', '8shield.net', 'dralias.com',
  'silomails.com', 'anonaddy.me', 'anonaddy.com', 'addy.io', 'addymail.com', 'passinbox.com', 'passmail.net', 'passmail.com',
  'passfwd.com', '33mail.com',
  // Microsoft 365 tenants' starting domain: `ceo@shop.onmicrosoft.com` (every tenant one lead `onmicrosoft.com`)
  'onmicrosoft.com',
  'mail.com', 'email.com', 'usa.com', 'post.com', 'consultant.com', 'myself.com', 'dr.com', 'europe.com', 'engineer.com',
  'asia.com', 'inbox.com', 'lycos.com', 'excite.com', 'juno.com', 'netzero.net', 'netzero.com', 'rediffmail.com',
  'hushmail.me', 'gmx.com', 'gmx.net', 'gmx.us',
  // US and Canadian ISPs
  'comcast.net', 'xfinity.com', 'att.net', 'sbcglobal.net', 'bellsouth.net', 'pacbell.net', 'swbell.net', 'ameritech.net',
  'flash.net', 'prodigy.net', 'cox.net', 'charter.net', 'spectrum.net', 'twc.com', 'rr.com', 'roadrunner.com',
  'earthlink.net', 'mindspring.com', 'optonline.net', 'optimum.net', 'frontier.com', 'frontiernet.net', 'centurylink.net',
  'centurytel.net', 'q.com', 'embarqmail.com', 'windstream.net', 'suddenlink.net', 'mediacombb.net', 'cableone.net',
  'wowway.com', 'rcn.com', 'ptd.net', 'shaw.ca', 'rogers.com', 'sympatico.ca', 'bell.net', 'videotron.ca', 'telus.net',
  'cogeco.ca', 'eastlink.ca', 'sasktel.net', 'mts.net', 'netscape.net', 'cs.com', 'wmconnect.com', 'mchsi.com', 'hughes.net',
  'bresnan.net',
  // UK and Ireland
  'btinternet.com', 'btopenworld.com', 'btconnect.com', 'sky.com', 'virginmedia.com', 'virgin.net', 'ntlworld.com',
  'blueyonder.co.uk', 'talktalk.net', 'tiscali.co.uk', 'talk21.com', 'plus.com', 'freeserve.co.uk', 'lineone.net',
  'o2.co.uk', 'orange.net', 'wanadoo.co.uk', 'eircom.net', 'eir.ie', 'iol.ie',
  // France
  'orange.fr', 'wanadoo.fr', 'free.fr', 'laposte.net', 'sfr.fr', 'neuf.fr', 'cegetel.net', 'club-internet.fr', 'aliceadsl.fr',
  'numericable.fr', 'noos.fr', 'bbox.fr', 'voila.fr', 'nordnet.fr',
  // Germany, Austria, Switzerland
  'web.de', 't-online.de', 'freenet.de', 'arcor.de', 'online.de', '1und1.de', 'kabelmail.de', 'mail.de',
  'email.de', 'magenta.de', 'vodafonemail.de', 'kabelbw.de', 'unitybox.de', 'ewetel.net', 'netcologne.de', 'posteo.at', 'aon.at', 'chello.at', 'a1.net', 'bluewin.ch', 'gmx.ch', 'hispeed.ch', 'sunrise.ch', 'swissonline.ch',
  // Italy, Spain, Portugal
  'libero.it', 'virgilio.it', 'tiscali.it', 'alice.it', 'tin.it', 'tim.it', 'fastwebnet.it', 'inwind.it', 'iol.it', 'email.it',
  'teletu.it', 'poste.it', 'katamail.com', 'telefonica.net', 'movistar.es', 'terra.es', 'ono.com', 'ya.com', 'sapo.pt', 'netcabo.pt', 'clix.pt',
  // Benelux, Nordics
  'telenet.be', 'skynet.be', 'proximus.be', 'scarlet.be', 'ziggo.nl', 'kpnmail.nl', 'kpnplanet.nl', 'home.nl', 'planet.nl',
  'hetnet.nl', 'chello.nl', 'casema.nl', 'xs4all.nl', 'zonnet.nl', 'quicknet.nl', 'telfort.nl', 'online.nl', 'upcmail.nl',
  'telia.se', 'bredband.net', 'comhem.se', 'spray.se', 'online.no', 'telenor.no', 'start.no', 'jubii.dk',
  'mail.dk', 'get2net.dk', 'suomi24.fi', 'luukku.com', 'elisanet.fi', 'tele2.se', 'bahnhof.se', 'c2i.net', 'ofir.dk', 'stofanet.dk',
  'kolumbus.fi', 'saunalahti.fi', 'pp.inet.fi', 'welho.com',
  // Central and Eastern Europe, Russia
  'seznam.cz', 'email.cz', 'centrum.cz', 'atlas.cz', 'post.cz', 'volny.cz', 'azet.sk', 'centrum.sk', 'zoznam.sk',
  'wp.pl', 'o2.pl', 'interia.pl', 'interia.eu', 'onet.pl', 'op.pl', 'poczta.onet.pl', 'gazeta.pl', 'tlen.pl', 'vp.pl', 'onet.eu', 'poczta.fm', 'go2.pl', 'int.pl', 'buziaczek.pl',
  'freemail.hu', 'citromail.hu', 'indamail.hu', 'abv.bg', 'mail.bg', 'dir.bg', 'yahoo.ro', 'rambler.ru', 'ro.ru', 'autorambler.ru', 'myrambler.ru', 'rambler.ua', 'bigmir.net', 'lenta.ru',
  'mail.ru', 'inbox.ru', 'list.ru', 'bk.ru', 'internet.ru', 'ya.ru', 'ukr.net', 'i.ua', 'meta.ua', 'tut.by', 'inbox.lv',
  'inbox.lt', 'mail.ee',
  // Asia, Middle East
  'qq.com', 'foxmail.com', '163.com', '126.com', 'yeah.net', 'sina.com', 'sina.cn', 'sohu.com', 'aliyun.com', '139.com',
  '189.cn', 'tom.com', '21cn.com', 'wo.cn', 'naver.com', 'daum.net', 'hanmail.net', 'nate.com', 'kakao.com', 'docomo.ne.jp', 'ezweb.ne.jp', 'au.com',
  'softbank.ne.jp', 'i.softbank.jp', 'nifty.com', 'biglobe.ne.jp', 'ocn.ne.jp', 'so-net.ne.jp', 'ybb.ne.jp', 'plala.or.jp',
  'dion.ne.jp', 'jcom.home.ne.jp', 'pchome.com.tw',
  'hinet.net', 'netvigator.com', 'singnet.com.sg', 'pacific.net.sg', 'streamyx.com', 'vsnl.net', 'sify.com', 'indiatimes.com',
  'walla.co.il', 'walla.com', 'bezeqint.net', 'netvision.net.il', '012.net.il', 'mynet.com', 'maktoob.com', 'superonline.com', 'ttmail.com',
  // Oceania, Africa, Latin America
  'bigpond.com', 'bigpond.net.au', 'bigpond.com.au', 'optusnet.com.au', 'iinet.net.au', 'tpg.com.au',
  'internode.on.net', 'adam.com.au', 'dodo.com.au', 'westnet.com.au', 'ozemail.com.au', 'iprimus.com.au', 'aapt.net.au', 'xtra.co.nz', 'clear.net.nz',
  'slingshot.co.nz', 'vodafone.co.nz', 'orcon.net.nz', 'mweb.co.za', 'telkomsa.net', 'webmail.co.za', 'vodamail.co.za', 'iafrica.com', 'absamail.co.za',
  'uol.com.br', 'bol.com.br', 'ig.com.br', 'terra.com.br', 'globo.com', 'globomail.com', 'r7.com', 'oi.com.br',
  'zipmail.com.br', 'prodigy.net.mx', 'terra.com.mx', 'terra.cl', 'terra.com.ar', 'speedy.com.ar', 'fibertel.com.ar',
  'arnet.com.ar', 'ciudad.com.ar', 'vtr.net', 'cantv.net', 'une.net.co', 'etb.net.co',
];

/** Provider families: the registrable domain's own label, under `.com` or any country suffix (`.fr`, `.co.uk`, `.com.br`). */
const FAMILIES = new Set(['hotmail', 'outlook', 'live', 'yahoo', 'aol', 'gmx', 'yandex', 'zoho']);

const EXACT = new Set(DOMAINS);
// a family's `.com` is an exact entry: a `.com` host needs no family test (the import checks every email-only row)
for (const f of FAMILIES) EXACT.add(`${f}.com`);

/** The test on a host as the callers pass it: lower case, no trailing dot, no port. */
function lookup(host: string): boolean {
  if (EXACT.has(host)) return true;
  const last = host.lastIndexOf('.');
  for (let p = host.indexOf('.'); p >= 0 && p < last; p = host.indexOf('.', p + 1)) if (EXACT.has(host.slice(p + 1))) return true;
  if (host.length - last !== 3) return false; // `.com` was looked up; a family lives under `.com` or a country code
  const end = countrySuffixDot(host, last); // the registrable domain's own label ends there: `hotmail` in `hotmail.com.co`
  return end > 0 && FAMILIES.has(host.slice(host.lastIndexOf('.', end - 1) + 1, end));
}

/**
 * Is this host (an address's domain) a free-mail provider's? `gmail.com`, `hotmail.fr`, `yahoo.co.uk`,
 * `mail.yahoo.co.jp`, `outlook.com.br`, `yahoo.com.co`, `btinternet.com`, `x.onmicrosoft.com`,
 * `privaterelay.appleid.com`: the host or one of its parent domains is in the list (the list holds no public suffix,
 * so that is the registrable domain's test), or its registrable domain belongs to a provider family. Upper case, a
 * trailing dot or a port are tolerated (checked only when the plain test says no).
 */
export function isFreemail(host: string): boolean {
  if (lookup(host)) return true;
  const t = tidyHost(host);
  return t !== host && lookup(t);
}

/**
 * The free-mail test as a Set: FREEMAIL.has(domain) is isFreemail(domain), so the families and subdomains count for
 * every caller (the inbox links replies by sender domain, enrich ranks addresses). Iterating it gives the exact list.
 */
class FreemailSet extends Set<string> {
  override has(domain: string): boolean {
    return isFreemail(domain);
  }
}
export const FREEMAIL: ReadonlySet<string> = new FreemailSet(DOMAINS);

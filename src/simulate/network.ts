// Where applications come from on the network: a simulated address plan and its geo-IP. Every state
// owns residential /16 prefixes; mobile carriers put each state's subscribers behind a few shared NAT
// addresses; offices, lender branches and brokers each have a fixed address shared by everyone there;
// hosting ranges (used by VPNs, proxies and device farms) geolocate to the state of their data centre.
// `geoIpRegion` answers for any address this plan hands out, so ip_region is always the IP's geo-IP.
import { US_STATES } from '../features/localTime.js';
import { hash32, type Random } from './prng.js';

export interface IpChoice {
  readonly ip: string;
  /** The geo-IP state of `ip`. */
  readonly region: string;
}

/** First octets of consumer broadband space; each state gets RESIDENTIAL_PER_STATE /16s among them. */
const RESIDENTIAL_FIRST_OCTETS = [24, 47, 50, 63, 65, 66, 67, 68, 69, 70, 71, 72, 73, 75, 76, 96, 97, 98, 99, 107, 108, 173, 184];
const RESIDENTIAL_PER_STATE = 4;
/** Mobile carriers' public NAT space: "a.b.<state>.<1..CARRIER_NAT_HOSTS>". */
const CARRIER_PREFIXES = ['166.170', '174.225', '172.58'] as const;
const CARRIER_NAT_HOSTS = 32;
export const OFFICES_PER_STATE = 12;
export const BRANCHES_PER_STATE = 2;
export const BROKERS_PER_STATE = 3;
/** Hosting ranges and the state their data centre geolocates to. */
const DATACENTER_PREFIXES: ReadonlyArray<readonly [prefix: string, state: string]> = [
  ['52.70', 'VA'],
  ['34.201', 'VA'],
  ['54.184', 'OR'],
  ['35.230', 'OR'],
  ['3.140', 'OH'],
  ['104.131', 'NY'],
  ['159.65', 'NJ'],
  ['45.79', 'TX'],
  ['192.241', 'CA'],
  ['162.243', 'CA'],
  ['23.94', 'GA'],
  ['209.141', 'IL'],
];

const regionBy16 = new Map<string, string>();
const regionBy24 = new Map<string, string>();
const residential: string[][] = US_STATES.map(() => []);

function register(map: Map<string, string>, prefix: string, state: string): void {
  if (map.has(prefix)) throw new Error(`address plan overlaps at ${prefix}`);
  map.set(prefix, state);
}

US_STATES.forEach((state, stateIndex) => {
  for (let k = 0; k < RESIDENTIAL_PER_STATE; k++) {
    const slot = stateIndex * RESIDENTIAL_PER_STATE + k;
    const firstIndex = slot % RESIDENTIAL_FIRST_OCTETS.length;
    const round = Math.floor(slot / RESIDENTIAL_FIRST_OCTETS.length);
    const prefix = `${RESIDENTIAL_FIRST_OCTETS[firstIndex]}.${(round * 53 + 17 + firstIndex * 7) % 256}`;
    register(regionBy16, prefix, state);
    residential[stateIndex]!.push(prefix);
  }
  for (const carrier of CARRIER_PREFIXES) register(regionBy24, `${carrier}.${stateIndex}`, state);
  register(regionBy16, `12.${100 + stateIndex}`, state);
  register(regionBy16, `38.${100 + stateIndex}`, state);
  register(regionBy16, `216.${100 + stateIndex}`, state);
});
for (const [prefix, state] of DATACENTER_PREFIXES) register(regionBy16, prefix, state);

/** The simulated geo-IP: the state an IPv4 address locates to, or null outside the plan. */
export function geoIpRegion(ip: string): string | null {
  const third = ip.lastIndexOf('.');
  const second = ip.lastIndexOf('.', third - 1);
  return regionBy24.get(ip.slice(0, third)) ?? regionBy16.get(ip.slice(0, second)) ?? null;
}

function stateAt(stateIndex: number): string {
  const state = US_STATES[stateIndex];
  if (state === undefined) throw new RangeError('unknown state index');
  return state;
}

/** A household's home broadband address: stable for (seed, household). */
export function homeIp(seed: number, household: number, stateIndex: number): IpChoice {
  const h = hash32(seed, 0x4011e, household);
  const prefixes = residential[stateIndex]!;
  const prefix = prefixes[h % prefixes.length]!;
  return { ip: `${prefix}.${(h >>> 8) & 0xff}.${1 + ((h >>> 16) % 254)}`, region: stateAt(stateIndex) };
}

/** Some residential address in a state (a hotel, a friend's flat, a residential proxy). */
export function randomResidentialIp(rng: Random, stateIndex: number): IpChoice {
  return { ip: `${rng.pick(residential[stateIndex]!)}.${rng.int(0, 255)}.${rng.int(1, 254)}`, region: stateAt(stateIndex) };
}

/** A carrier NAT address: many subscribers of one carrier in one state share a handful of addresses. */
export function carrierIp(rng: Random, carrier: number, stateIndex: number): IpChoice {
  const prefix = CARRIER_PREFIXES[carrier % CARRIER_PREFIXES.length]!;
  return { ip: `${prefix}.${stateIndex}.${rng.int(1, CARRIER_NAT_HOSTS)}`, region: stateAt(stateIndex) };
}

export const CARRIER_COUNT = CARRIER_PREFIXES.length;

/** The single public address of an office building (every employee behind it shares it). */
export function officeIp(office: number, stateIndex: number): IpChoice {
  const k = office % OFFICES_PER_STATE;
  return { ip: `12.${100 + stateIndex}.${k * 20 + 5}.${((k * 37 + stateIndex * 11) % 200) + 20}`, region: stateAt(stateIndex) };
}

/** The address of one of the lender's branches in a state. */
export function branchIp(branch: number, stateIndex: number): IpChoice {
  return { ip: `38.${100 + stateIndex}.${branch % BRANCHES_PER_STATE}.20`, region: stateAt(stateIndex) };
}

/** The office address of a broker in a state. */
export function brokerIp(broker: number, stateIndex: number): IpChoice {
  return { ip: `216.${100 + stateIndex}.${broker % BROKERS_PER_STATE}.30`, region: stateAt(stateIndex) };
}

export const DATACENTER_COUNT = DATACENTER_PREFIXES.length;

/** A /24 in a hosting range, as "a.b.c", with its geo-IP state. */
export function datacenterSubnet(datacenter: number, third: number): { subnet: string; region: string } {
  const [prefix, state] = DATACENTER_PREFIXES[datacenter % DATACENTER_PREFIXES.length]!;
  return { subnet: `${prefix}.${third & 0xff}`, region: state };
}

/** An address in a hosting range whose geo-IP is not `avoidState` (a VPN exit, a proxy). */
export function datacenterIp(rng: Random, avoidState: string): IpChoice {
  for (;;) {
    const { subnet, region } = datacenterSubnet(rng.int(0, DATACENTER_COUNT - 1), rng.int(0, 255));
    if (region !== avoidState) return { ip: `${subnet}.${rng.int(2, 254)}`, region };
  }
}

/** A state index other than `stateIndex`, uniformly. */
export function otherStateIndex(rng: Random, stateIndex: number): number {
  const other = rng.int(0, US_STATES.length - 2);
  return other >= stateIndex ? other + 1 : other;
}

/** Whether an address belongs to a hosting range (VPN, proxy, data centre). */
export function isDatacenterIp(ip: string): boolean {
  const prefix = ip.slice(0, ip.indexOf('.', ip.indexOf('.') + 1));
  return DATACENTER_PREFIXES.some(([candidate]) => candidate === prefix);
}

// Application fraud, written over the metadata of real loans (the bureau attributes stay real).
// Three scenarios, each with a share of rows that leave little trace:
// - device_farm: bursts of 5-15 applications within a few hours, each a different identity, from 1-3
//   devices behind one hosting-range /24 whose geo-IP has nothing to do with the stated address;
// - synthetic_identity: made-up people: throwaway or machine-made mailboxes, phones from another state's
//   area code (sometimes one phone shared by several identities), addresses elsewhere;
// - stolen_identity: an earlier genuine applicant's id (and usually phone) from a new device in another
//   region, often asking for 1.5-3 times the money.
import { US_STATES } from '../features/localTime.js';
import type { TimeWindow } from './clock.js';
import {
  commonEmailDomain,
  disposableDomain,
  foreignAreaCode,
  homeAreaCode,
  personalEmail,
  personalLocalPart,
  phoneNumber,
  randomLocalPart,
  type ApplicationIdentity,
  type Channel,
  type Person,
} from './identities.js';
import { areaCodesOf } from '../features/areaCodes.js';
import { datacenterIp, datacenterSubnet, DATACENTER_COUNT, otherStateIndex, randomResidentialIp, type IpChoice } from './network.js';
import { hash32, hexId, Random } from './prng.js';
import { MAX_FUNDED_AMOUNT, SOURCE_ROWS } from './source.js';

export const FRAUD_SCENARIOS = ['device_farm', 'synthetic_identity', 'stolen_identity'] as const;
export type FraudScenario = (typeof FRAUD_SCENARIOS)[number];

/** Device-farm bursts per application row (about 10 rows each: 1.2% of rows). */
const FARM_BURSTS_PER_ROW = 0.0012;
const FARM_MIN = 5;
const FARM_MAX = 15;
/** Chance that a row not in a farm burst is a synthetic identity, and (when a victim exists) a stolen one. */
export const SYNTHETIC_RATE = 0.01;
export const STOLEN_RATE = 0.01;
/** Share of each scenario's rows that look almost ordinary. */
const STEALTHY = 0.25;
/** Share of the farms' devices a lender already knows from earlier incidents. */
const KNOWN_DEVICE_SHARE = 0.2;

const FARM = 0xfa4;
const COMMON_WEBMAIL = ['gmail.com', 'yahoo.com', 'outlook.com', 'hotmail.com'] as const;

/** The number of device-farm bursts in a run of `rows` applications. */
export function farmBurstCount(rows: number): number {
  return Math.round(rows * FARM_BURSTS_PER_ROW);
}

function farmDeviceCount(seed: number, burst: number): number {
  return 1 + (hash32(seed, FARM, burst, 1) % 3);
}

function farmDevice(seed: number, burst: number, device: number): string {
  return hexId('dv_', seed, 'farm-device', burst * 4 + device);
}

/** Every device of every farm in a run, in burst order. */
export function farmDevices(seed: number, rows = SOURCE_ROWS): string[] {
  const devices: string[] = [];
  for (let burst = 0; burst < farmBurstCount(rows); burst++) {
    for (let k = 0; k < farmDeviceCount(seed, burst); k++) devices.push(farmDevice(seed, burst, k));
  }
  return devices;
}

/**
 * Devices a lender already holds from earlier incidents: about 20% of the farms' devices of a run of
 * `rows` applications (9,857 unless told) with this seed, sorted.
 */
export function knownBadDevices(seed: number, rows = SOURCE_ROWS): string[] {
  const all = farmDevices(seed, rows).map((device, index) => ({ device, key: hash32(seed, FARM, index, 0x6ad) }));
  const take = all.length === 0 ? 0 : Math.max(1, Math.round(all.length * KNOWN_DEVICE_SHARE));
  return all
    .sort((a, b) => a.key - b.key || (a.device < b.device ? -1 : 1))
    .slice(0, take)
    .map(({ device }) => device)
    .sort();
}

/**
 * Chooses the device-farm rows before the timeline is sorted: for each burst, 5-15 plan slots whose
 * times move into one span of 1-4 hours. Marks slots in `burstOf` (burst + 1) and `memberOf`.
 */
export function planDeviceFarms(rng: Random, window: TimeWindow, times: Float64Array, burstOf: Int32Array, memberOf: Uint8Array): void {
  const rows = times.length;
  let free = rows;
  for (let burst = 0; burst < farmBurstCount(rows) && free >= FARM_MIN; burst++) {
    const size = Math.min(rng.int(FARM_MIN, FARM_MAX), free);
    const span = rng.int(3_600, 4 * 3_600);
    const start = window.startSec + Math.floor(rng.float() * (window.endSec - window.startSec - span));
    for (let member = 0; member < size; member++) {
      let slot = rng.int(0, rows - 1);
      while (burstOf[slot] !== 0) slot = rng.int(0, rows - 1);
      burstOf[slot] = burst + 1;
      memberOf[slot] = member;
      times[slot] = start + rng.int(0, span);
    }
    free -= size;
  }
}

export interface FraudRow {
  readonly identity: ApplicationIdentity;
  /** A rewritten loan amount (integer), when the fraudster asked for more. */
  readonly fundedAmount: number | null;
}

function identity(
  applicantId: string,
  deviceId: string,
  ip: IpChoice,
  email: string,
  phone: string,
  channel: Channel,
): ApplicationIdentity {
  return { applicantId, deviceId, ip: ip.ip, ipRegion: ip.region, email, phone, channel };
}

/** Writes fraudulent application metadata; holds the little state a fraud ring carries between rows. */
export class FraudSimulator {
  private lastSyntheticPhone: string | null = null;

  constructor(
    private readonly seed: number,
    private readonly rng: Random,
  ) {}

  private freshDevice(row: number): string {
    return hexId('dv_', this.seed, 'fraud-device', row);
  }

  /** Fraud that leaves little trace: a fresh device, a residential IP, a personal email and a local phone. */
  private ordinaryLooking(row: number, applicantId: string, stateIndex: number, channel: Channel): FraudRow {
    const { rng } = this;
    const state = US_STATES[stateIndex]!;
    return {
      identity: identity(
        applicantId,
        this.freshDevice(row),
        randomResidentialIp(rng, stateIndex),
        personalEmail(rng),
        phoneNumber(rng, homeAreaCode(rng, state)),
        channel,
      ),
      fundedAmount: null,
    };
  }

  deviceFarm(row: number, burst: number, member: number, stateIndex: number): FraudRow {
    const { rng, seed } = this;
    const applicantId = hexId('ap_', seed, 'farm-applicant', row);
    const channel: Channel = rng.chance(0.8) ? 'web' : 'mobile_app';
    // A rotated fingerprint behind a residential proxy in the stated state.
    if (rng.chance(STEALTHY)) return this.ordinaryLooking(row, applicantId, stateIndex, channel);
    const h = hash32(seed, FARM, burst, 2);
    const { subnet, region } = datacenterSubnet(h % DATACENTER_COUNT, h >>> 8);
    const ip = { ip: `${subnet}.${rng.int(2, 254)}`, region };
    const device = farmDevice(seed, burst, member % farmDeviceCount(seed, burst));
    const style = rng.float();
    const email =
      style < 0.5
        ? `${randomLocalPart(rng)}@${rng.pick(COMMON_WEBMAIL)}`
        : style < 0.8
          ? `${personalLocalPart(rng)}@${rng.pick(COMMON_WEBMAIL)}`
          : `${randomLocalPart(rng)}@${disposableDomain(rng)}`;
    const phone = phoneNumber(rng, rng.pick(areaCodesOf(rng.pick(US_STATES))));
    return { identity: identity(applicantId, device, ip, email, phone, channel), fundedAmount: null };
  }

  syntheticIdentity(row: number, stateIndex: number): FraudRow {
    const { rng, seed } = this;
    const state = US_STATES[stateIndex]!;
    const applicantId = hexId('ap_', seed, 'synthetic-applicant', row);
    const channel: Channel = rng.chance(0.7) ? 'web' : 'mobile_app';
    if (rng.chance(STEALTHY)) return this.ordinaryLooking(row, applicantId, stateIndex, channel);
    const email = `${randomLocalPart(rng)}@${rng.chance(0.5) ? disposableDomain(rng) : rng.pick(COMMON_WEBMAIL)}`;
    // Rings reuse one prepaid number across several made-up people.
    const phone =
      this.lastSyntheticPhone !== null && rng.chance(0.3) ? this.lastSyntheticPhone : phoneNumber(rng, foreignAreaCode(rng, state));
    this.lastSyntheticPhone = phone;
    const where = rng.float();
    const ip =
      where < 0.45
        ? randomResidentialIp(rng, otherStateIndex(rng, stateIndex))
        : where < 0.7
          ? datacenterIp(rng, state)
          : randomResidentialIp(rng, stateIndex);
    return { identity: identity(applicantId, this.freshDevice(row), ip, email, phone, channel), fundedAmount: null };
  }

  stolenIdentity(row: number, victim: Person, stateIndex: number, fundedAmount: number): FraudRow {
    const { rng } = this;
    const state = US_STATES[stateIndex]!;
    const channel: Channel = rng.chance(0.75) ? 'web' : 'mobile_app';
    const device = this.freshDevice(row);
    if (rng.chance(STEALTHY)) {
      // Only the new device betrays it: the victim's own contact details, an address in their state.
      return {
        identity: identity(victim.applicantId, device, randomResidentialIp(rng, stateIndex), victim.email, victim.phone, channel),
        fundedAmount: null,
      };
    }
    const phone = rng.chance(0.8) ? victim.phone : phoneNumber(rng, foreignAreaCode(rng, state));
    const email = rng.chance(0.35)
      ? victim.email
      : rng.chance(0.5)
        ? personalEmail(rng)
        : `${randomLocalPart(rng)}@${commonEmailDomain(rng)}`;
    const ip = rng.chance(0.6) ? randomResidentialIp(rng, otherStateIndex(rng, stateIndex)) : datacenterIp(rng, state);
    const raised = rng.chance(0.8) ? Math.min(MAX_FUNDED_AMOUNT, Math.round((fundedAmount * rng.between(1.5, 3)) / 25) * 25) : null;
    return { identity: identity(victim.applicantId, device, ip, email, phone, channel), fundedAmount: raised };
  }
}

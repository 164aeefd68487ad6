// Ordinary applicants and their honest habits, which make the data noisy on purpose:
// - households: ~6.5% of new applicants live with an earlier one (same home IP, often the family computer);
// - re-applications: ~3% of applications come from someone who applied before (same identity, usually
//   the same device, email and phone);
// - mobile carriers put many subscribers behind one NAT address; offices share one address;
// - brokers and branches key applications in from their own workstation, shared by all their customers;
// - ~5% apply while travelling (another state's network) or through a VPN (a hosting range).
// People are numbers; only their household, home state and last channel are kept, in typed arrays.
import { US_STATES } from '../features/localTime.js';
import { CHANNELS, computerDevice, person, phoneDevice, type ApplicationIdentity, type Channel, type Person } from './identities.js';
import {
  branchIp,
  brokerIp,
  BRANCHES_PER_STATE,
  BROKERS_PER_STATE,
  carrierIp,
  datacenterIp,
  homeIp,
  officeIp,
  otherStateIndex,
  randomResidentialIp,
  type IpChoice,
} from './network.js';
import { hexId, weightTable, type Random } from './prng.js';

/** web 55%, mobile_app 30%, broker 10%, branch 5% (indexes into CHANNELS). */
const CHANNEL_WEIGHTS = weightTable<number>([
  [0, 0.55],
  [1, 0.3],
  [2, 0.1],
  [3, 0.05],
]);
const REAPPLY_RATE = 0.03;
const HOUSEHOLD_RATE = 0.065;
/** Of web and app applications: from another state's network or a VPN. */
const TRAVEL_RATE = 0.06;
const VPN_SHARE = 0.3;
/** How many recent applicants per state are remembered as candidates for re-applying or victims. */
const RING_CAPACITY = 512;

/** The most recent genuine applicants of each state (person numbers). */
class RecentByState {
  private readonly people = new Int32Array(US_STATES.length * RING_CAPACITY);
  private readonly counts = new Int32Array(US_STATES.length);

  push(stateIndex: number, who: number): void {
    const count = this.counts[stateIndex]!;
    this.people[stateIndex * RING_CAPACITY + (count % RING_CAPACITY)] = who;
    this.counts[stateIndex] = count + 1;
  }

  pick(rng: Random, stateIndex: number): number | null {
    const size = Math.min(this.counts[stateIndex]!, RING_CAPACITY);
    return size === 0 ? null : this.people[stateIndex * RING_CAPACITY + rng.int(0, size - 1)]!;
  }
}

export class Applicants {
  private readonly recent = new RecentByState();
  private readonly householdOf: Int32Array;
  private readonly homeStateOf: Uint8Array;
  private readonly lastChannelOf: Uint8Array;
  private people = 0;
  private readonly workstations = new Map<string, string>();

  /** `capacity`: the most people there can be (one per application). */
  constructor(
    private readonly seed: number,
    capacity: number,
    private readonly rng: Random,
  ) {
    this.householdOf = new Int32Array(capacity);
    this.homeStateOf = new Uint8Array(capacity);
    this.lastChannelOf = new Uint8Array(capacity);
  }

  private person(who: number): Person {
    return person(this.seed, who, this.householdOf[who]!, this.homeStateOf[who]!);
  }

  /** A recent genuine applicant from the state (a stolen identity's victim), or null if none yet. */
  earlierApplicant(stateIndex: number): Person | null {
    const who = this.recent.pick(this.rng, stateIndex);
    return who === null ? null : this.person(who);
  }

  /** A broker's or branch's workstation: one device id per place. */
  private workstation(kind: 'broker' | 'branch', place: number): string {
    const key = `${kind}:${place}`;
    let device = this.workstations.get(key);
    if (device === undefined) this.workstations.set(key, (device = hexId('dv_', this.seed, kind, place)));
    return device;
  }

  /** The identity, device, address and channel of a genuine application from `stateIndex`. */
  apply(row: number, stateIndex: number): ApplicationIdentity {
    const { rng, seed } = this;
    const earlier = rng.chance(REAPPLY_RATE) ? this.recent.pick(rng, stateIndex) : null;
    let who: number;
    let channelIndex: number;
    if (earlier !== null) {
      who = earlier;
      channelIndex = rng.chance(0.8) ? this.lastChannelOf[who]! : rng.weighted(CHANNEL_WEIGHTS);
    } else {
      who = this.people++;
      const housemate = rng.chance(HOUSEHOLD_RATE) ? this.recent.pick(rng, stateIndex) : null;
      this.householdOf[who] = housemate === null ? who : this.householdOf[housemate]!;
      this.homeStateOf[who] = stateIndex;
      this.recent.push(stateIndex, who);
      channelIndex = rng.weighted(CHANNEL_WEIGHTS);
    }
    this.lastChannelOf[who] = channelIndex;
    const channel: Channel = CHANNELS[channelIndex]!;
    const me = this.person(who);
    const again = earlier !== null;
    const email = again && rng.chance(0.08) ? me.altEmail : me.email;
    const phone = again && rng.chance(0.05) ? me.altPhone : me.phone;
    const newDevice = again && rng.chance(0.15);
    let device: string;
    let ip: IpChoice;
    if (channel === 'broker' || channel === 'branch') {
      const perState = channel === 'broker' ? BROKERS_PER_STATE : BRANCHES_PER_STATE;
      const place = rng.int(0, perState - 1);
      device = this.workstation(channel, stateIndex * perState + place);
      ip = channel === 'broker' ? brokerIp(place, stateIndex) : branchIp(place, stateIndex);
    } else {
      const mobile = channel === 'mobile_app';
      device = newDevice ? hexId('dv_', seed, 'new-device', row) : mobile ? phoneDevice(seed, me) : computerDevice(seed, me);
      if (rng.chance(TRAVEL_RATE)) {
        const elsewhere = otherStateIndex(rng, stateIndex);
        ip = rng.chance(VPN_SHARE)
          ? datacenterIp(rng, US_STATES[stateIndex]!)
          : mobile
            ? carrierIp(rng, me.carrier, elsewhere)
            : randomResidentialIp(rng, elsewhere);
      } else if (mobile) ip = carrierIp(rng, me.carrier, stateIndex);
      else if (me.worksInOffice && rng.chance(0.55)) ip = officeIp(me.office, stateIndex);
      else ip = homeIp(seed, me.household, this.homeStateOf[me.household]!);
    }
    return { applicantId: me.applicantId, deviceId: device, ip: ip.ip, ipRegion: ip.region, email, phone, channel };
  }
}

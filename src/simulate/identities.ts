// Who applies: people with stable identities (applicant id, email, phone, devices), derived from
// (seed, person number) alone, so a later re-application or a stolen identity can re-create exactly
// the same values without the generator keeping strings for every person it has seen.
import { US_STATES } from '../features/localTime.js';
import { areaCodesOf } from '../features/areaCodes.js';
import { hexId, Random, weightTable } from './prng.js';
import { OFFICES_PER_STATE } from './network.js';

/** "+1" + area code + a 7-digit number whose exchange is 200-999 and never 555 or N11. */
export function phoneNumber(rng: Random, areaCode: number): string {
  let exchange = rng.int(200, 999);
  while (exchange === 555 || exchange % 100 === 11) exchange = rng.int(200, 999);
  return `+1${areaCode}${exchange}${String(rng.int(0, 9999)).padStart(4, '0')}`;
}

/** An area code of `state`. */
export function homeAreaCode(rng: Random, state: string): number {
  return rng.pick(areaCodesOf(state));
}

/** An area code belonging to some other state. */
export function foreignAreaCode(rng: Random, state: string): number {
  for (;;) {
    const other = rng.pick(US_STATES);
    if (other !== state) return rng.pick(areaCodesOf(other));
  }
}

const FIRST_NAMES = (
  'james mary john patricia robert jennifer michael linda william elizabeth david barbara richard susan joseph jessica ' +
  'thomas sarah charles karen chris nancy daniel lisa matthew betty anthony margaret mark sandra donald ashley steven ' +
  'kimberly paul emily andrew donna joshua michelle kenneth dorothy kevin carol brian amanda george melissa edward ' +
  'deborah ronald stephanie timothy rebecca jason sharon jeffrey laura ryan cynthia jacob kathleen gary amy nicholas ' +
  'shirley eric angela jonathan helen stephen anna larry brenda justin pamela scott nicole brandon emma benjamin ' +
  'samantha samuel katherine frank christine gregory debra raymond rachel alexander carolyn patrick janet jack maria ' +
  'dennis heather jerry diane tyler julie aaron joyce jose victoria adam kelly henry christina carlos lauren juan luis ' +
  'rosa miguel ana jorge sofia wei mei hung linh priya raj omar fatima'
).split(' ');
const LAST_NAMES = (
  'smith johnson williams brown jones garcia miller davis rodriguez martinez hernandez lopez gonzalez wilson anderson ' +
  'thomas taylor moore jackson martin lee perez thompson white harris sanchez clark ramirez lewis robinson walker ' +
  'young allen king wright scott torres nguyen hill flores green adams nelson baker hall rivera campbell mitchell ' +
  'carter roberts gomez phillips evans turner diaz parker cruz edwards collins reyes stewart morris morales murphy ' +
  'cook rogers gutierrez ortiz morgan cooper peterson bailey reed kelly howard ramos kim cox ward richardson watson ' +
  'brooks chavez wood james bennett gray mendoza ruiz hughes price alvarez castillo sanders patel myers long ross ' +
  'foster jimenez powell jenkins perry russell sullivan bell coleman butler henderson barnes fisher vasquez simmons ' +
  'romero jordan patterson alexander hamilton graham reynolds griffin wallace moreno west cole hayes bryant herrera ' +
  'gibson ellis tran medina aguilar stevens murray ford castro marshall owens harrison fernandez mcdonald woods washington'
).split(' ');
const WORDS = (
  'sunny lucky happy blue red tiger eagle wolf bear hawk star moon river rocky dream angel gamer music coffee ' +
  'cowboy lady king queen ninja sparky shadow buddy golden silver storm sweet honey cool crazy'
).split(' ');

/** Where ordinary applicants' mailboxes are: big webmail first, then ISPs and a long tail of companies and schools. */
const EMAIL_DOMAINS = weightTable<string>([
  ['gmail.com', 34],
  ['yahoo.com', 15],
  ['hotmail.com', 8.5],
  ['outlook.com', 5],
  ['aol.com', 5.5],
  ['icloud.com', 4.5],
  ['comcast.net', 3.5],
  ['msn.com', 1.6],
  ['live.com', 1.6],
  ['att.net', 1.8],
  ['sbcglobal.net', 1.8],
  ['verizon.net', 1.3],
  ['bellsouth.net', 1.1],
  ['cox.net', 1.1],
  ['charter.net', 0.9],
  ['me.com', 0.9],
  ['ymail.com', 0.7],
  ['earthlink.net', 0.5],
  ['mail.com', 0.5],
  ['protonmail.com', 0.4],
  ['optonline.net', 0.5],
  ['roadrunner.com', 0.4],
  ['frontier.com', 0.4],
  ['windstream.net', 0.3],
  ['centurylink.net', 0.3],
  ['juno.com', 0.3],
  ['rocketmail.com', 0.2],
  ['netzero.net', 0.15],
  ['q.com', 0.15],
  ['kp.org', 0.25],
  ['usps.gov', 0.2],
  ['va.gov', 0.15],
  ['army.mil', 0.2],
  ['ge.com', 0.1],
  ['ibm.com', 0.1],
  ['walmart.com', 0.15],
  ['boeing.com', 0.1],
  ['ford.com', 0.1],
  ['hcahealthcare.com', 0.1],
  ['utexas.edu', 0.1],
  ['umich.edu', 0.1],
  ['osu.edu', 0.1],
  ['nyu.edu', 0.1],
  ['wellsfargo.com', 0.1],
  ['ups.com', 0.1],
]);

/** Throwaway mailbox providers, the ones a lender's block list would name. */
const DISPOSABLE_EMAIL_DOMAINS = [
  'mailinator.com',
  'guerrillamail.com',
  'yopmail.com',
  'tempmail.dev',
  'sharklasers.com',
  '10minutemail.com',
  'trashmail.com',
  'maildrop.cc',
  'dispostable.com',
  'getnada.com',
] as const;

/** The disposable email domains the simulator uses (a fresh copy: regenerate block lists from it). */
export function disposableEmailDomains(): string[] {
  return [...DISPOSABLE_EMAIL_DOMAINS];
}

export function disposableDomain(rng: Random): string {
  return rng.pick(DISPOSABLE_EMAIL_DOMAINS);
}

export function commonEmailDomain(rng: Random): string {
  return rng.weighted(EMAIL_DOMAINS);
}

/** A mailbox name a person would choose: name-based styles, often with digits or a birth year. */
export function personalLocalPart(rng: Random): string {
  const first = rng.pick(FIRST_NAMES);
  const last = rng.pick(LAST_NAMES);
  const digits = (): string => String(rng.int(1, rng.chance(0.5) ? 99 : 9999));
  const year = (): string => String(rng.int(55, 99)).padStart(2, '0');
  switch (rng.int(0, 9)) {
    case 0:
      return `${first}.${last}`;
    case 1:
      return `${first}${last}${year()}`;
    case 2:
      return `${first}.${last}${digits()}`;
    case 3:
      return `${first}${last[0]}${digits()}`;
    case 4:
      return `${first[0]}${last}`;
    case 5:
      return `${first[0]}${last}${digits()}`;
    case 6:
      return `${first}${year()}`;
    case 7:
      return `${first}_${last}${digits()}`;
    case 8:
      return `${rng.pick(WORDS)}${rng.pick(WORDS)}${digits()}`;
    default:
      return `${first}${last}${digits()}`;
  }
}

/** A machine-made mailbox name: 8-12 letters and digits with no pattern a person would pick. */
export function randomLocalPart(rng: Random): string {
  return rng.chars('abcdefghijklmnopqrstuvwxyz', 1) + rng.chars('abcdefghijklmnopqrstuvwxyz0123456789', rng.int(7, 11));
}

export function personalEmail(rng: Random): string {
  return `${personalLocalPart(rng)}@${commonEmailDomain(rng)}`;
}

const PERSON = 0x9e450;

/** A legitimate applicant: everything stable about them, derived from (seed, person number). */
export interface Person {
  readonly id: number;
  /** The person whose home this is (the household's first applicant; the person themself if alone). */
  readonly household: number;
  readonly stateIndex: number;
  readonly applicantId: string;
  readonly email: string;
  /** A second mailbox, used on a re-application now and then. */
  readonly altEmail: string;
  readonly phone: string;
  /** A newer number, used on a re-application now and then. */
  readonly altPhone: string;
  readonly carrier: number;
  readonly office: number;
  /** Applies from the office now and then (offices share one public address). */
  readonly worksInOffice: boolean;
  /** A household member who uses the family computer rather than an own one. */
  readonly sharesComputer: boolean;
}

export function person(seed: number, id: number, household: number, stateIndex: number): Person {
  const rng = Random.forEntity(seed, PERSON, id);
  const state = US_STATES[stateIndex]!;
  // About one person in ten kept a number from another state after moving.
  const area = rng.chance(0.9) ? homeAreaCode(rng, state) : foreignAreaCode(rng, state);
  const phone = phoneNumber(rng, area);
  const email = personalEmail(rng);
  return {
    id,
    household,
    stateIndex,
    applicantId: hexId('ap_', seed, 'applicant', id),
    email,
    altEmail: personalEmail(rng),
    phone,
    altPhone: phoneNumber(rng, rng.chance(0.7) ? area : homeAreaCode(rng, state)),
    carrier: rng.int(0, 2),
    office: rng.int(0, OFFICES_PER_STATE - 1),
    worksInOffice: rng.chance(0.22),
    sharesComputer: household !== id && rng.chance(0.6),
  };
}

/** The computer a person applies from on the web: the family one for sharing household members. */
export function computerDevice(seed: number, who: Person): string {
  return hexId('dv_', seed, 'computer', who.sharesComputer ? who.household : who.id);
}

/** A person's own phone, used for the mobile app. */
export function phoneDevice(seed: number, who: Person): string {
  return hexId('dv_', seed, 'phone', who.id);
}

/** How an application reached the lender. */
export const CHANNELS = ['web', 'mobile_app', 'broker', 'branch'] as const;
export type Channel = (typeof CHANNELS)[number];

/** The metadata a lender sees with an application, besides what the applicant declares. */
export interface ApplicationIdentity {
  readonly applicantId: string;
  readonly deviceId: string;
  readonly ip: string;
  /** The geo-IP state of `ip`. */
  readonly ipRegion: string;
  readonly email: string;
  readonly phone: string;
  readonly channel: Channel;
}

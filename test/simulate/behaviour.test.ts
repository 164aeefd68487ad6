// What the simulated applicants do: ordinary people's habits (shared homes, carrier NAT, re-applying,
// travelling), the traces each fraud scenario leaves, and the weekly and daily rhythm.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { localDayOfWeek, localHour, utcOffsetHours } from '../../src/features/localTime.js';
import { generateApplications } from '../../src/simulate/generate.js';
import { farmDevices, knownBadDevices } from '../../src/simulate/fraud.js';
import { areaCodeState } from '../../src/features/areaCodes.js';
import { disposableEmailDomains } from '../../src/simulate/identities.js';
import { isDatacenterIp } from '../../src/simulate/network.js';
import { SOURCE_ROWS } from '../../src/simulate/source.js';

const source = readFileSync(new URL('../../data/lending_club.csv', import.meta.url), 'utf8');

type Row = Record<string, string> & { at: number };

function rowsOf(csv: string): Row[] {
  const [header, ...lines] = csv.slice(0, -1).split('\n');
  const names = header!.split(',');
  return lines.map((line) => {
    const row = Object.fromEntries(line.split(',').map((value, index) => [names[index]!, value])) as Row;
    row.at = Date.parse(row.applied_at!);
    return row;
  });
}

const rows = rowsOf(generateApplications({ rows: SOURCE_ROWS, source }));
const legit = rows.filter((row) => row.is_fraud === '0');
const scenario = (name: string): Row[] => rows.filter((row) => row.fraud_scenario === name);
const share = (subset: readonly Row[], test: (row: Row) => boolean): number => subset.filter(test).length / subset.length;
const domainOf = (row: Row): string => row.email!.slice(row.email!.indexOf('@') + 1);
const phoneMatchesState = (row: Row): boolean => areaCodeState(row.phone!) === row.addr_state;

/** Distinct applicants seen on the row's device within 24 hours either side (the row's own included). */
function deviceCrowd(row: Row): number {
  return new Set(
    byDevice
      .get(row.device_id!)!
      .filter((other) => Math.abs(other.at - row.at) <= 86_400_000)
      .map((other) => other.applicant_id),
  ).size;
}
const byDevice = new Map<string, Row[]>();
for (const row of rows) byDevice.set(row.device_id!, [...(byDevice.get(row.device_id!) ?? []), row]);

describe('legitimate applicants', () => {
  it('arrive through web (~55%), the mobile app (~30%), brokers (~10%) and branches (~5%)', () => {
    expect(share(legit, (row) => row.channel === 'web')).toBeCloseTo(0.55, 1);
    expect(share(legit, (row) => row.channel === 'mobile_app')).toBeCloseTo(0.3, 1);
    expect(share(legit, (row) => row.channel === 'broker')).toBeCloseTo(0.1, 1);
    expect(share(legit, (row) => row.channel === 'branch')).toBeCloseTo(0.05, 1);
  });

  it('mostly apply from their own state; about 5% while travelling or behind a VPN', () => {
    const away = share(legit, (row) => row.ip_region !== row.addr_state);
    expect(away).toBeGreaterThan(0.03);
    expect(away).toBeLessThan(0.08);
    expect(legit.some((row) => isDatacenterIp(row.ip!))).toBe(true);
  });

  it('use big webmail providers most, a long tail of others, and never throwaway mailboxes', () => {
    const gmail = share(legit, (row) => domainOf(row) === 'gmail.com');
    expect(gmail).toBeGreaterThan(0.25);
    expect(gmail).toBeLessThan(0.45);
    expect(new Set(legit.map(domainOf)).size).toBeGreaterThan(25);
    const disposable = new Set(disposableEmailDomains());
    expect(legit.some((row) => disposable.has(domainOf(row)))).toBe(false);
  });

  it('mostly carry a phone from their own state', () => {
    expect(share(legit, phoneMatchesState)).toBeGreaterThan(0.85);
    expect(share(legit, phoneMatchesState)).toBeLessThan(0.97);
  });

  it('share IPs behind carrier NAT and offices, and devices and IPs within households', () => {
    const byIp = new Map<string, Set<string>>();
    for (const row of legit) byIp.set(row.ip!, (byIp.get(row.ip!) ?? new Set()).add(row.applicant_id!));
    const mobile = legit.filter((row) => row.channel === 'mobile_app');
    expect(share(mobile, (row) => byIp.get(row.ip!)!.size > 1)).toBeGreaterThan(0.5);
    const home = legit.filter(
      (row) => row.channel === 'web' && !isDatacenterIp(row.ip!) && row.ip_region === row.addr_state && !row.ip!.startsWith('12.'),
    );
    const sharedHome = share(home, (row) => byIp.get(row.ip!)!.size > 1);
    expect(sharedHome).toBeGreaterThan(0.04);
    expect(sharedHome).toBeLessThan(0.2);
    const web = legit.filter((row) => row.channel === 'web');
    const sharedComputer = share(web, (row) => new Set(byDevice.get(row.device_id!)!.map((other) => other.applicant_id)).size > 1);
    expect(sharedComputer).toBeGreaterThan(0.02);
    expect(sharedComputer).toBeLessThan(0.12);
  });

  it('re-apply now and then (~3%), usually from the same device, email and phone', () => {
    const seen = new Map<string, Row>();
    const again: Array<[Row, Row]> = [];
    for (const row of rows) {
      const before = seen.get(row.applicant_id!);
      if (before !== undefined && row.is_fraud === '0') again.push([before, row]);
      if (row.is_fraud === '0') seen.set(row.applicant_id!, row);
    }
    expect(again.length / legit.length).toBeGreaterThan(0.02);
    expect(again.length / legit.length).toBeLessThan(0.04);
    const same = (field: string): number => again.filter(([a, b]) => a[field] === b[field]).length / again.length;
    expect(same('email')).toBeGreaterThan(0.85);
    expect(same('phone')).toBeGreaterThan(0.9);
    expect(same('device_id')).toBeGreaterThan(0.6);
    expect(again.every(([a, b]) => a.addr_state === b.addr_state)).toBe(true);
  });
});

describe('fraud scenarios', () => {
  it('device_farm: bursts of applications crowd onto a few devices, far more than legitimate devices', () => {
    const crowded = (row: Row): boolean => deviceCrowd(row) >= 3;
    const farm = scenario('device_farm');
    expect(share(farm, crowded)).toBeGreaterThan(0.4);
    expect(share(farm, crowded)).toBeGreaterThan(20 * share(legit, crowded));
    // Each burst comes from one hosting-range /24, not from where the applicants say they live.
    const fromHosting = farm.filter((row) => isDatacenterIp(row.ip!));
    expect(fromHosting.length / farm.length).toBeGreaterThan(0.6);
    const subnets = new Map<string, Set<string>>();
    for (const row of fromHosting) {
      const subnet = row.ip!.slice(0, row.ip!.lastIndexOf('.'));
      subnets.set(subnet, (subnets.get(subnet) ?? new Set()).add(row.applicant_id!));
    }
    expect([...subnets.values()].some((applicants) => applicants.size >= 5)).toBe(true);
  });

  it('stolen_identity: an earlier genuine applicant id re-appears from a device it never used, often for more money', () => {
    const stolen = scenario('stolen_identity');
    const devicesOf = new Map<string, Set<string>>();
    for (const row of rows) {
      if (row.fraud_scenario === 'stolen_identity') {
        const earlier = devicesOf.get(row.applicant_id!);
        expect(earlier).toBeDefined();
        expect(earlier!.has(row.device_id!)).toBe(false);
      }
      if (row.is_fraud === '0') devicesOf.set(row.applicant_id!, (devicesOf.get(row.applicant_id!) ?? new Set()).add(row.device_id!));
    }
    expect(share(stolen, (row) => row.ip_region !== row.addr_state)).toBeGreaterThan(
      4 * share(legit, (row) => row.ip_region !== row.addr_state),
    );
    const median = (values: number[]): number => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
    expect(median(stolen.map((row) => Number(row.funded_amnt)))).toBeGreaterThan(1.3 * median(legit.map((row) => Number(row.funded_amnt))));
  });

  it('synthetic_identity: new people whose phone, mailbox and address do not hang together', () => {
    const synthetic = scenario('synthetic_identity');
    const mismatch = (row: Row): boolean => !phoneMatchesState(row);
    expect(share(synthetic, mismatch)).toBeGreaterThan(0.5);
    expect(share(synthetic, mismatch)).toBeGreaterThan(4 * share(legit, mismatch));
    const disposable = new Set(disposableEmailDomains());
    expect(share(synthetic, (row) => disposable.has(domainOf(row)))).toBeGreaterThan(0.2);
    const earlierIds = new Set(rows.filter((row) => row.fraud_scenario !== 'synthetic_identity').map((row) => row.applicant_id));
    expect(synthetic.some((row) => earlierIds.has(row.applicant_id))).toBe(false);
  });

  it('leaves little trace in about a quarter of each scenario', () => {
    const ordinary = (row: Row): boolean => row.ip_region === row.addr_state && phoneMatchesState(row) && !isDatacenterIp(row.ip!);
    for (const name of ['device_farm', 'synthetic_identity', 'stolen_identity']) {
      expect(share(scenario(name), ordinary), name).toBeGreaterThan(0.12);
      expect(share(scenario(name), ordinary), name).toBeLessThan(0.5);
    }
  });

  it('exports the known-bad lists a lender would hold: ~20% of the farm devices and the throwaway domains', () => {
    const known = knownBadDevices(42);
    const all = farmDevices(42);
    expect(known.length).toBe(Math.round(all.length * 0.2));
    expect(all).toEqual(expect.arrayContaining(known));
    expect(knownBadDevices(42)).toEqual(known);
    expect(knownBadDevices(43)).not.toEqual(known);
    const seen = rows.filter((row) => known.includes(row.device_id!));
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((row) => row.fraud_scenario === 'device_farm')).toBe(true);
    expect(disposableEmailDomains()).toEqual(
      expect.arrayContaining(['mailinator.com', 'guerrillamail.com', 'yopmail.com', 'tempmail.dev']),
    );
    disposableEmailDomains().push('changed.example');
    expect(disposableEmailDomains()).not.toContain('changed.example');
  });
});

describe('rhythm', () => {
  it('is busier on weekdays than at weekends (local days)', () => {
    // Applications per local calendar day, split by that day's weekday.
    const perDay = new Map<number, { count: number; weekday: number }>();
    for (const row of legit) {
      const localDay = Math.floor((row.at + utcOffsetHours(row.at, row.addr_state!)! * 3_600_000) / 86_400_000);
      const entry = perDay.get(localDay) ?? { count: 0, weekday: localDayOfWeek(row.at, row.addr_state!)! };
      entry.count++;
      perDay.set(localDay, entry);
    }
    // The window starts and ends at midnight UTC: drop the partial local days at either edge.
    const days = [...perDay.keys()].sort((a, b) => a - b);
    perDay.delete(days[0]!);
    perDay.delete(days.at(-1)!);
    const weekday: number[] = [];
    const weekend: number[] = [];
    for (const { count, weekday: day } of perDay.values()) (day === 0 || day === 6 ? weekend : weekday).push(count);
    const mean = (values: number[]): number => values.reduce((a, b) => a + b, 0) / values.length;
    expect(mean(weekday)).toBeGreaterThan(1.25 * mean(weekend));
  });

  it('is quiet at 1-5 am local time and peaks late in the morning', () => {
    const hours = legit.map((row) => localHour(row.at, row.addr_state!)!);
    const night = hours.filter((hour) => hour >= 1 && hour < 5).length / hours.length;
    const lateMorning = hours.filter((hour) => hour >= 10 && hour < 14).length / hours.length;
    expect(night).toBeLessThan(0.25 * lateMorning);
    expect(night).toBeGreaterThan(0);
  });
});

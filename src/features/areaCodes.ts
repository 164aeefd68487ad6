// US telephone area codes by state: a phone whose area code belongs to another state than the stated
// address is an identity-consistency signal. A few codes per state (the ones most phones carry), not
// the full numbering plan: an unlisted code counts as unknown, never as a mismatch.
/** A few area codes per state (and DC): the ones most of its phones carry. */
export const AREA_CODES: Readonly<Record<string, readonly number[]>> = {
  AL: [205, 251, 256, 334],
  AK: [907],
  AZ: [480, 520, 602, 623, 928],
  AR: [479, 501, 870],
  CA: [213, 310, 415, 510, 619, 714, 818, 909, 916],
  CO: [303, 719, 720, 970],
  CT: [203, 860],
  DE: [302],
  DC: [202],
  FL: [305, 407, 561, 727, 813, 904, 954],
  GA: [404, 478, 678, 706, 770, 912],
  HI: [808],
  ID: [208],
  IL: [217, 312, 630, 708, 773, 847],
  IN: [219, 317, 574, 765, 812],
  IA: [319, 515, 563, 712],
  KS: [316, 620, 785, 913],
  KY: [270, 502, 606, 859],
  LA: [225, 318, 337, 504, 985],
  ME: [207],
  MD: [240, 301, 410, 443],
  MA: [413, 508, 617, 781, 978],
  MI: [248, 313, 517, 616, 734, 810],
  MN: [218, 507, 612, 651, 763, 952],
  MS: [228, 601, 662],
  MO: [314, 417, 573, 636, 816],
  MT: [406],
  NE: [308, 402],
  NV: [702, 775],
  NH: [603],
  NJ: [201, 609, 732, 856, 908, 973],
  NM: [505, 575],
  NY: [212, 315, 516, 518, 585, 631, 716, 718, 914],
  NC: [252, 336, 704, 828, 910, 919],
  ND: [701],
  OH: [216, 330, 419, 513, 614, 937],
  OK: [405, 580, 918],
  OR: [503, 541, 971],
  PA: [215, 412, 570, 610, 717, 814],
  RI: [401],
  SC: [803, 843, 864],
  SD: [605],
  TN: [423, 615, 731, 865, 901, 931],
  TX: [210, 214, 281, 512, 713, 817, 915, 972],
  UT: [385, 435, 801],
  VT: [802],
  VA: [540, 571, 703, 757, 804],
  WA: [206, 253, 360, 425, 509],
  WV: [304],
  WI: [262, 414, 608, 715, 920],
  WY: [307],
};

const areaCodeToState = new Map<number, string>(
  Object.entries(AREA_CODES).flatMap(([state, codes]) => codes.map((code) => [code, state] as const)),
);

/** The state of a "+1NXXNXXXXXX" phone's area code in the table, or null. */
export function areaCodeState(phone: string): string | null {
  if (!phone.startsWith('+1') || phone.length !== 12) return null;
  return areaCodeToState.get(Number(phone.slice(2, 5))) ?? null;
}

/** The area codes of a state (empty for an unknown one). */
export function areaCodesOf(state: string): readonly number[] {
  return AREA_CODES[state] ?? [];
}

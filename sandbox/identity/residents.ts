/**
 * The sandbox population: the people the identity service knows, with their bank cards and the
 * phone numbers their banks hold. Fictional; the ID numbers carry valid GB 11643 check characters
 * and the card numbers valid Luhn digits. docs/risk.md lists them for tests and demos.
 */
export interface Resident {
  readonly name: string;
  readonly idNumber: string;
  readonly cards: readonly { readonly number: string; readonly phone: string }[];
}

export const residents: readonly Resident[] = [
  { name: '张伟', idNumber: '110101199003074514', cards: [{ number: '6222021000000000017', phone: '13800138000' }] },
  { name: '李娜', idNumber: '310115198506120026', cards: [{ number: '6228480000000000026', phone: '13912345678' }] },
  { name: '王芳', idNumber: '440304199211300332', cards: [{ number: '6217000000000000038', phone: '13700001111' }] },
  { name: '刘洋', idNumber: '110105197808080010', cards: [{ number: '6225880000000000044', phone: '13600002222' }] },
  // Shares a name with an entry of the sample sanctions list (sandbox/identity is not the list).
  { name: '赵明德', idNumber: '320102198801010049', cards: [] },
];

// jaro-winkler 0.2 ships no types: its one export, as index.js defines it.
declare module 'jaro-winkler' {
  /** Jaro-Winkler similarity from 0 (nothing shared) to 1 (equal); prefix scale 0.1. */
  export default function distance(s1: string, s2: string, options?: { caseSensitive?: boolean }): number;
}

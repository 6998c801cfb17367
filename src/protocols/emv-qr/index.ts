/** EMV QR codes (EMVCo merchant- and consumer-presented): TLV, CRC and the merchant-presented payload. */
export * from './codec.js';

// ISO 8583:1987 (ASCII) codec shared by Hutong's acquirer connector and the sandbox acquirer:
// two parties implementing one published spec, not one party's internals.
export { bitmapHexLength, decodeBitmap, encodeBitmap, fieldNumberMax, type DecodedBitmap } from './bitmap.js';
export { formatLocalDate, formatLocalTime, formatTransmissionDateTime, formatYymm } from './datetime.js';
export { Iso8583Error, iso8583Failure, isIso8583Failure, type Iso8583Failure } from './errors.js';
export { fieldSpecs, validateElement, validateField, type Charset, type DateLayout, type FieldLength, type FieldSpec } from './fields.js';
export { encodeFrame, FrameReader, frameBytesLimit, frameBytesMaxDefault, frameLengthPrefixBytes } from './framing.js';
export { packMessage, requireFields, unpackMessage, type Iso8583Message } from './message.js';
export { expectsResponse, isMti, MessageType, originalMtiOf, responseMtiOf } from './mti.js';
export { formatOriginalData, parseOriginalData, type OriginalData } from './original-data.js';
export { describeResponseCode, ResponseCode, responseCodes, type ResponseCodeInfo, type ResponseCodeValue } from './response-codes.js';

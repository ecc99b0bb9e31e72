import { XMLBuilder, XMLParser, XMLValidator } from 'fast-xml-parser';
import { WechatXmlError } from '../errors/crypto.errors.js';

/** Default cap on an XML body: WeChat's pushes are a few KiB; anything near this is an attack. */
export const DEFAULT_MAX_XML_BYTES = 64 * 1024;
/** WeChat's documents nest three or four levels (fast registration's <info>); deeper is hostile. */
export const MAX_XML_DEPTH = 16;

export type XmlValue = string | XmlFields | XmlValue[];
export interface XmlFields {
  [name: string]: XmlValue;
}

const FORBIDDEN = /<!DOCTYPE|<!ENTITY|<!ELEMENT|<!ATTLIST|<\?xml-stylesheet/i;
/** Characters XML 1.0 does not allow anywhere in a document (controls other than tab, LF, CR). */
// eslint-disable-next-line no-control-regex
const NOT_XML_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;

const parser = new XMLParser({
  ignoreAttributes: true,
  // Keep every value a string: CreateTime and the like are parsed by the caller, on purpose.
  parseTagValue: false,
  processEntities: true,
  htmlEntities: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  maxNestedTags: MAX_XML_DEPTH,
});

/**
 * Parses a WeChat XML document (`<xml>...</xml>`) into its top-level fields, refusing documents
 * that declare a DOCTYPE or entities (XXE and billion-laughs), that are not well formed, or that
 * exceed `maxBytes`. CDATA and plain text both come back as strings.
 */
export function parseWechatXml(body: string, maxBytes = DEFAULT_MAX_XML_BYTES): XmlFields {
  if (Buffer.byteLength(body, 'utf8') > maxBytes) {
    throw new WechatXmlError('XML_TOO_LARGE', `XML body is larger than ${maxBytes} bytes`);
  }
  if (FORBIDDEN.test(body)) {
    throw new WechatXmlError('XML_FORBIDDEN', 'XML body declares a DOCTYPE or entity');
  }
  if (NOT_XML_CHARS.test(body)) {
    throw new WechatXmlError('XML_MALFORMED', 'XML body contains characters XML does not allow');
  }
  const valid = XMLValidator.validate(body);
  if (valid !== true) {
    // The code and position only: the validator's message quotes the document, which may be
    // decrypted content.
    throw new WechatXmlError('XML_MALFORMED', `XML body is not well formed (${valid.err.code})`, {
      line: valid.err.line,
      col: valid.err.col,
    });
  }
  let doc: XmlFields;
  try {
    doc = parser.parse(body) as XmlFields;
  } catch (error) {
    throw parserError(error);
  }
  const root = doc.xml;
  if (root === undefined || typeof root !== 'object' || Array.isArray(root)) {
    throw new WechatXmlError('XML_MALFORMED', 'XML body has no <xml> root element');
  }
  return root;
}

/** The parser's refusals (nesting, reserved names) as typed errors that quote nothing. */
function parserError(error: unknown): WechatXmlError {
  const message = error instanceof Error ? error.message : '';
  if (/nested tags/i.test(message)) {
    return new WechatXmlError('XML_TOO_DEEP', `XML body nests deeper than ${MAX_XML_DEPTH} levels`);
  }
  if (/\[SECURITY\]|reserved/i.test(message)) {
    return new WechatXmlError('XML_FORBIDDEN', 'XML body uses a reserved element name');
  }
  return new WechatXmlError('XML_MALFORMED', 'XML body could not be parsed');
}

/** Reads a required top-level string field. */
export function requireField(fields: XmlFields, name: string): string {
  const value = fields[name];
  if (typeof value !== 'string' || value.length === 0) {
    throw new WechatXmlError('XML_MISSING_FIELD', `XML field <${name}> is missing`, {
      field: name,
    });
  }
  return value;
}

/** Reads an optional top-level string field. */
export function optionalField(fields: XmlFields, name: string): string | undefined {
  const value = fields[name];
  return typeof value === 'string' ? value : undefined;
}

const builder = new XMLBuilder({ cdataPropName: '__cdata', suppressEmptyNode: false });

/**
 * Builds `<xml>...</xml>` the way WeChat writes it: strings in CDATA, numbers bare, nested objects
 * as child elements.
 */
export function buildWechatXml(fields: Record<string, unknown>): string {
  return builder.build({ xml: wrap(fields) });
}

function wrap(value: unknown): unknown {
  if (typeof value === 'string') return { __cdata: value };
  if (Array.isArray(value)) return value.map(wrap);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, wrap(v)]));
  }
  return value;
}

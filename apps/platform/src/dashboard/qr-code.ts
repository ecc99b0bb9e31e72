import QRCode from 'qrcode';

/** A QR code of `text`, as an SVG document and as a PNG data: URL. */
export async function qrCodes(text: string): Promise<{ svg: string; pngDataUrl: string }> {
  const options = { errorCorrectionLevel: 'M' as const, margin: 2 };
  const [svg, pngDataUrl] = await Promise.all([
    QRCode.toString(text, { ...options, type: 'svg' }),
    QRCode.toDataURL(text, { ...options, type: 'image/png', width: 320 }),
  ]);
  return { svg, pngDataUrl };
}

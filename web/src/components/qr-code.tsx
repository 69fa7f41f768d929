import { useMemo } from 'react';
import { encode } from 'uqr';

/** Light modules around the code; scanners need this quiet zone to find it (the QR standard asks for 4). */
const QUIET_ZONE_MODULES = 4;

/**
 * `value` as a QR code, drawn as one SVG path in the page (no image request, no inline HTML):
 * each dark module is a 1×1 square in a viewBox of modules, scaled by CSS.
 */
export function QrCode({ value, label }: { value: string; label: string }) {
  const { size, path } = useMemo(() => {
    const qr = encode(value, { ecc: 'M', border: QUIET_ZONE_MODULES });
    const squares: string[] = [];
    qr.data.forEach((row, y) => {
      row.forEach((dark, x) => {
        if (dark) squares.push(`M${x} ${y}h1v1h-1z`);
      });
    });
    return { size: qr.size, path: squares.join('') };
  }, [value]);

  return (
    <svg
      className="qr-code"
      role="img"
      aria-label={label}
      viewBox={`0 0 ${size} ${size}`}
      shapeRendering="crispEdges"
      xmlns="http://www.w3.org/2000/svg"
    >
      <rect width={size} height={size} fill="#fff" />
      <path d={path} fill="#000" />
    </svg>
  );
}

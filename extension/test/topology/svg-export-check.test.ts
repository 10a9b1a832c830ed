// What the extension saves when the topology panel (untrusted) asks: an SVG drawing, with hostile
// names as escaped text accepted, and scripts, handlers, links and embedded HTML refused.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { svgExportProblem } from '../../src/topology/svg-export-check';

const drawing = (body: string) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">${body}</svg>\n`;

test('a drawing whose names look like markup is saved: they are escaped text', () => {
  assert.equal(
    svgExportProblem(drawing('<title>Lab</title><text x="1" y="2" fill="rgb(0, 0, 0)">&lt;img src=x onerror=alert(1)&gt;</text>')),
    undefined,
  );
});

test('scripts, event handlers, links, embedded HTML and other documents are refused', () => {
  const refused: Array<[string, RegExp]> = [
    [drawing('<script>alert(1)</script>'), /<script> element/],
    [drawing('<foreignObject><div/></foreignObject>'), /<foreignObject> element/],
    [drawing('<rect onload="alert(1)"/>'), /event handler/],
    [drawing('<a href="javascript:alert(1)"><text>x</text></a>'), /<a> element/],
    [drawing('<image xlink:href="https://example.com/x.png"/>'), /<image> element/],
    [drawing('<text href="x">t</text>'), /link/],
    ['<html><body>hi</body></html>', /not an SVG document/],
    [drawing('').replace('</svg>', ''), /does not end/],
  ];
  for (const [text, problem] of refused) assert.match(svgExportProblem(text) ?? 'accepted', problem, text);
});

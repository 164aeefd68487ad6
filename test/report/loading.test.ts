// Drawing a report reads nothing: a spec naming a URL or a file is refused when the document is checked,
// and the renderer's loader refuses every load even for a spec that skipped the check. A local HTTP
// server counts the requests it receives: none may arrive.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode, FengkongError } from '../../src/errors.js';
import type { ReportDocumentInput, VegaLiteSpec } from '../../src/report/document.js';
import { renderFigure } from '../../src/report/figure.js';
import { renderReport } from '../../src/report/render.js';
import { rejectionOf } from '../fixtures/errors.js';

const ROWS = JSON.stringify([{ a: 1 }, { a: 2 }]);
const PIXEL = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

let server: Server;
let base: string;
const requests: string[] = [];
const directory = mkdtempSync(join(tmpdir(), 'fk-report-loading-'));
const localFile = join(directory, 'rows.json');

beforeAll(async () => {
  writeFileSync(localFile, ROWS);
  server = createServer((request, response) => {
    requests.push(request.url ?? '');
    const image = request.url?.endsWith('.png') === true;
    response.writeHead(200, { 'content-type': image ? 'image/png' : 'application/json' });
    response.end(image ? PIXEL : ROWS);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(directory, { recursive: true, force: true });
});

beforeEach(() => {
  requests.length = 0;
});

const dataFrom = (url: string) =>
  ({ data: { url }, mark: 'bar', encoding: { x: { field: 'a', type: 'quantitative' } } }) as unknown as VegaLiteSpec;
const imageMark = (url: string) =>
  ({
    data: { values: [{ a: 1 }] },
    mark: { type: 'image', url, width: 10, height: 10 },
    encoding: { x: { field: 'a', type: 'quantitative' } },
  }) as unknown as VegaLiteSpec;
const imageChannel = (url: string) =>
  ({
    data: { values: [{ a: 1, picture: url }] },
    mark: { type: 'image', width: 10, height: 10 },
    encoding: { x: { field: 'a', type: 'quantitative' }, url: { field: 'picture', type: 'nominal' } },
  }) as unknown as VegaLiteSpec;

function documentWith(spec: VegaLiteSpec): ReportDocumentInput {
  return { title: 't', generatedAt: 'now', provenance: [], notes: [], sections: [{ heading: 'S', figures: [{ title: 'F', spec }] }] };
}

describe('a report spec that names something to load', () => {
  it('is refused when the document is checked, naming the field, and the server receives no request', async () => {
    const cases: Array<[VegaLiteSpec, string]> = [
      [dataFrom(`${base}/rows.json`), 'sections.0.figures.0.spec.data.url'],
      [dataFrom(pathToFileURL(localFile).href), 'sections.0.figures.0.spec.data.url'],
      [dataFrom(localFile), 'sections.0.figures.0.spec.data.url'],
      [imageMark(`${base}/picture.png`), 'sections.0.figures.0.spec.mark.url'],
      [imageChannel(`${base}/picture.png`), 'sections.0.figures.0.spec.encoding.url'],
    ];
    for (const [spec, path] of cases) {
      const error = await rejectionOf(renderReport(documentWith(spec)));
      expect(error.code).toBe(ErrorCode.REPORT_INVALID);
      expect(error.message).toBe(
        `report document invalid: ${path}: a report spec carries its data inline and loads nothing: "url" is not allowed`,
      );
    }
    expect(requests).toEqual([]);
  });

  it('refuses a url nested anywhere (a lookup from a URL inside a layer)', async () => {
    const spec = {
      layer: [
        {
          data: { values: [{ a: 1 }] },
          transform: [{ lookup: 'a', from: { data: { url: `${base}/rows.json` }, key: 'a', fields: ['b'] } }],
          mark: 'bar',
          encoding: { x: { field: 'a', type: 'quantitative' } },
        },
      ],
    } as unknown as VegaLiteSpec;
    const error = await rejectionOf(renderReport(documentWith(spec)));
    expect(error.message).toBe(
      'report document invalid: sections.0.figures.0.spec.layer.0.transform.0.from.data.url: ' +
        'a report spec carries its data inline and loads nothing: "url" is not allowed',
    );
    expect(requests).toEqual([]);
  });

  it('refuses a link out of the page', async () => {
    const spec = {
      data: { values: [{ a: 1 }] },
      mark: 'bar',
      encoding: { x: { field: 'a', type: 'quantitative' }, href: { value: `${base}/elsewhere` } },
    } as unknown as VegaLiteSpec;
    const error = await rejectionOf(renderReport(documentWith(spec)));
    expect(error.message).toBe(
      'report document invalid: sections.0.figures.0.spec.encoding.href: a report links only within itself: "href" is not allowed',
    );
  });
});

describe('the renderer’s loader, for a spec that was not checked', () => {
  async function refusal(spec: VegaLiteSpec): Promise<FengkongError> {
    const error = await rejectionOf(renderFigure(spec, 'f', 'section "S", figure "F"'));
    expect(error).toBeInstanceOf(FengkongError);
    expect(error.code).toBe(ErrorCode.REPORT_INVALID);
    expect(error.message).toMatch(/^section "S", figure "F": the spec asks to load ".*"; a report draws only the data inside its specs/);
    return error;
  }

  it('refuses data over http: the server receives no request', async () => {
    const error = await refusal(dataFrom(`${base}/rows.json`));
    expect(error.message).toContain(`${base}/rows.json`);
    expect(requests).toEqual([]);
  });

  it('refuses a file: url and a bare file name (which vega would read from disk)', async () => {
    expect((await refusal(dataFrom(pathToFileURL(localFile).href))).message).toContain('rows.json');
    expect((await refusal(dataFrom(localFile))).message).toContain('rows.json');
  });

  it('refuses an image, by mark or by channel: the server receives no request', async () => {
    await refusal(imageMark(`${base}/picture.png`));
    await refusal(imageChannel(`${base}/picture.png`));
    expect(requests).toEqual([]);
  });

  it('still draws a spec with inline data', async () => {
    const spec = { data: { values: JSON.parse(ROWS) }, mark: 'bar', encoding: { x: { field: 'a', type: 'quantitative' } } };
    expect((await renderFigure(spec as unknown as VegaLiteSpec, 'f', 'figure')).svg).toMatch(/^<svg /);
  });
});

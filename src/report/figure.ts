// Draws one figure on the server: vega-lite compiles the spec to vega, vega renders it to an SVG string
// (renderer 'none': no canvas, no DOM), and the SVG goes inline into the page. Drawing reads nothing:
// the view's loader refuses every load (data, images, links), so a spec cannot make the renderer fetch a
// URL or read a file, whatever got past the document's check.
import * as vega from 'vega';
import { compile } from 'vega-lite';
import { ErrorCode, FengkongError } from '../errors.js';
import type { VegaLiteSpec } from './document.js';

export interface RenderedFigure {
  /** The SVG markup, or null when the spec has no data to draw. */
  readonly svg: string | null;
  /** What vega-lite and vega warned about while compiling and drawing (a dropped encoding, a bad scale). */
  readonly warnings: readonly string[];
}

/**
 * Renders `spec` to SVG. `idPrefix` keeps the ids inside this SVG (clip paths, gradients) apart from the
 * other figures' on the same page, where a repeated id would make `url(#clip1)` point at another chart.
 * `where` names the figure in errors.
 */
export async function renderFigure(spec: VegaLiteSpec, idPrefix: string, where: string): Promise<RenderedFigure> {
  if (hasNoData(spec)) return { svg: null, warnings: [] };
  const warnings: string[] = [];
  const logger = vega.logger(vega.Warn, undefined, (_method, level, args) => {
    const message = args.map(String).join(' ');
    if (level === 'ERROR') throw new FengkongError(ErrorCode.REPORT_INVALID, `${where}: vega: ${message}`);
    warnings.push(message);
  });
  const guard = refusingLoader(where);
  let view: vega.View | undefined;
  try {
    const compiled = compile(spec, { logger }).spec;
    view = new vega.View(vega.parse(compiled), { renderer: 'none', logger, logLevel: vega.Warn, loader: guard.loader });
    const svg = await view.toSVG();
    // vega turns a failed load into a warning (data) or an empty image: the refusal is raised here.
    if (guard.refused !== undefined) throw guard.refused;
    return { svg: prefixIds(svg, idPrefix), warnings };
  } catch (error) {
    if (guard.refused !== undefined) throw guard.refused;
    if (error instanceof FengkongError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new FengkongError(ErrorCode.REPORT_INVALID, `${where}: the vega-lite spec cannot be drawn: ${reason}`, { cause: error });
  } finally {
    view?.finalize();
  }
}

/**
 * A vega loader whose every method (load, sanitize, http, file) throws a coded error naming the figure,
 * and records the first refusal: vega catches a failed load and goes on drawing without it.
 */
function refusingLoader(where: string): { loader: vega.Loader; readonly refused: FengkongError | undefined } {
  let refused: FengkongError | undefined;
  const refuse = (uri: unknown): never => {
    const error = new FengkongError(
      ErrorCode.REPORT_INVALID,
      `${where}: the spec asks to load ${JSON.stringify(String(uri))}; a report draws only the data inside its specs and loads nothing`,
    );
    refused ??= error;
    throw error;
  };
  const loader: vega.Loader = {
    ...vega.loader(),
    load: async (uri) => refuse(uri),
    sanitize: async (uri) => refuse(uri),
    http: async (uri) => refuse(uri),
    file: async (filename) => refuse(filename),
  };
  return {
    loader,
    get refused() {
      return refused;
    },
  };
}

/** A builder marks an empty chart with `usermeta.noData`; any other spec is drawn as it is. */
function hasNoData(spec: VegaLiteSpec): boolean {
  const usermeta: unknown = spec.usermeta;
  return typeof usermeta === 'object' && usermeta !== null && (usermeta as { noData?: unknown }).noData === true;
}

/**
 * Renames every id in the SVG to `${prefix}-${n}` in order of appearance, and the references to it. The
 * numbering is the document's own, so a page does not depend on vega's process-wide id counters.
 */
function prefixIds(svg: string, prefix: string): string {
  const renamed = new Map<string, string>();
  for (const match of svg.matchAll(/\sid="([^"]+)"/g)) {
    if (!renamed.has(match[1]!)) renamed.set(match[1]!, `${prefix}-${renamed.size + 1}`);
  }
  if (renamed.size === 0) return svg;
  return svg
    .replace(/(\sid=")([^"]+)(")/g, (_whole, open: string, id: string, close: string) => `${open}${renamed.get(id) ?? id}${close}`)
    .replace(/url\(#([^)]+)\)/g, (whole, id: string) => (renamed.has(id) ? `url(#${renamed.get(id)})` : whole))
    .replace(/(href=")#([^"]+)(")/g, (whole, open: string, id: string, close: string) =>
      renamed.has(id) ? `${open}#${renamed.get(id)}${close}` : whole,
    );
}

// Building DOM nodes for the viewer. Everything a trace says (topic names, znode data, anomaly
// explanations) reaches the page through `textContent` or attribute values set here, never through
// markup parsing, so a topic called `<script>…` is shown as those characters and runs nothing.
// d3's `.text()` and `.attr()` are safe the same way; nothing in viz/ uses `.html()` or innerHTML.

type Child = Node | string | null | undefined | false;

export interface Props {
  class?: string;
  text?: string;
  title?: string;
  attrs?: Record<string, string | number | boolean | null | undefined>;
  on?: Partial<Record<keyof HTMLElementEventMap, (event: Event) => void>>;
}

function apply(node: Element, props: Props): void {
  if (props.class) node.setAttribute('class', props.class);
  if (props.title !== undefined) node.setAttribute('title', props.title);
  for (const [name, value] of Object.entries(props.attrs ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const [type, handler] of Object.entries(props.on ?? {})) {
    if (handler) node.addEventListener(type, handler);
  }
  if (props.text !== undefined) node.textContent = props.text;
}

function append(node: Node, children: readonly Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    node.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
  }
}

/** An HTML element with properties and children (strings become text nodes). */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props = {}, children: readonly Child[] = []): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  apply(node, props);
  append(node, children);
  return node;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/** An SVG element, for the few drawings built without d3. */
export function svgEl<K extends keyof SVGElementTagNameMap>(tag: K, props: Props = {}, children: readonly Child[] = []): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG_NS, tag);
  apply(node, props);
  append(node, children);
  return node;
}

/** Replaces every child of `node`. */
export function replaceChildren(node: Element, children: readonly Child[]): void {
  node.replaceChildren();
  append(node, children);
}

/** A short icon from a path, hidden from assistive technology (the text next to it says it). */
export function icon(path: string, className = 'icon'): SVGSVGElement {
  return svgEl('svg', { class: className, attrs: { viewBox: '0 0 24 24', 'aria-hidden': 'true' } }, [svgEl('path', { attrs: { d: path } })]);
}

/** The page's font stack (style.css `:root`), for measuring text without laying it out. */
export const FONT_FAMILY = "Inter, system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif";

const measured = new Map<string, number>();
let measureContext: CanvasRenderingContext2D | null = null;

/**
 * The width of `text` in `font` (a CSS font shorthand without the family), measured on a canvas
 * and remembered: SVG's getComputedTextLength would force a layout of the page on every call.
 */
export function measureText(text: string, font: string): number {
  const key = `${font}|${text}`;
  const known = measured.get(key);
  if (known !== undefined) return known;
  measureContext ??= document.createElement('canvas').getContext('2d');
  if (measureContext === null) return text.length * 7;
  measureContext.font = `${font} ${FONT_FAMILY}`;
  const width = measureContext.measureText(text).width;
  if (measured.size > 5000) measured.clear();
  measured.set(key, width);
  return width;
}

export const ICONS = {
  play: 'M7 4.5v15l12.5-7.5z',
  pause: 'M6 4.5h4.5v15H6zM13.5 4.5H18v15h-4.5z',
  start: 'M5 4.5h2.5v15H5zM20 4.5v15L9 12z',
  end: 'M16.5 4.5H19v15h-2.5zM4 4.5v15l11-7.5z',
  stepBack: 'M18 5v14L8 12zM5 5h2v14H5z',
  stepForward: 'M6 5v14l10-7zM17 5h2v14h-2z',
  prevMarker: 'M19 5v14l-7-7zM12 5v14l-7-7z',
  nextMarker: 'M5 5v14l7-7zM12 5v14l7-7z',
  zoomIn: 'M10.5 4a6.5 6.5 0 1 0 4 11.6l4.4 4.4 1.4-1.4-4.4-4.4A6.5 6.5 0 0 0 10.5 4zm-1 3.5h2v2h2v2h-2v2h-2v-2h-2v-2h2z',
  zoomOut: 'M10.5 4a6.5 6.5 0 1 0 4 11.6l4.4 4.4 1.4-1.4-4.4-4.4A6.5 6.5 0 0 0 10.5 4zm-3 5.5h6v2h-6z',
  warning: 'M12 3 1.5 21h21zm-1 6h2v6h-2zm0 8h2v2h-2z',
  crown: 'M3 8l4.5 4L12 5l4.5 7L21 8l-2 11H5z',
  scissors: 'M9.6 8.2A3.5 3.5 0 1 0 8.2 9.6L10.6 12l-2.4 2.4a3.5 3.5 0 1 0 1.4 1.4L12 13.4l7 7h3L9.6 8.2zM6.5 8a1.5 1.5 0 1 1 0-3 1.5 1.5 0 0 1 0 3zm0 11a1.5 1.5 0 1 1 0-3 1.5 1.5 0 0 1 0 3zM19 3.6 13.4 9.2l1.4 1.4L22 3.6z',
  check: 'M9 16.2 4.8 12l-1.4 1.4L9 19 21 7l-1.4-1.4z',
  cross: 'M19 6.4 17.6 5 12 10.6 6.4 5 5 6.4 10.6 12 5 17.6 6.4 19 12 13.4 17.6 19 19 17.6 13.4 12z',
} as const;

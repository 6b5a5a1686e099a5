// Vite's client types for the viewer: import.meta.glob (the bundled scenarios), `?raw` imports
// and `new URL(…, import.meta.url)` workers.
/// <reference types="vite/client" />

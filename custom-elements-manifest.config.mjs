// Custom Elements Manifest (custom-elements.json, named by package.json's "customElements").
export default {
  globs: ['src/**/*.ts'],
  // the server entry has no elements
  exclude: ['src/server/**'],
  litelement: true,
  plugins: [
    {
      // The analyzer also lists `dispatchEvent(new CustomEvent(type, ...))` inside the private
      // helper that fires every event, as an event named "type": keep only the real names.
      name: 'only-named-events',
      packageLinkPhase({ customElementsManifest }) {
        for (const module of customElementsManifest.modules) {
          for (const declaration of module.declarations ?? []) {
            if (declaration.events) declaration.events = declaration.events.filter(event => event.name?.includes('-'));
          }
        }
      },
    },
  ],
};

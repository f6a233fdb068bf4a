/** Vite's `?url` imports: the bundler serves the file as an asset and gives its URL. */
declare module '*?url' {
  const url: string;
  export default url;
}

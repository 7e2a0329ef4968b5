/** The package ships JavaScript only; samlify calls `validate(xml)` and expects it to throw on invalid XML. */
declare module "@authenio/samlify-xmllint-wasm" {
  export function validate(xml: string): Promise<true>;
}

// The language id of lab files, apart from the language client so that naming it does not load
// vscode-languageclient (extension.ts loads that only when a lab file opens).
export const labLanguageId = 'vlm-lab';

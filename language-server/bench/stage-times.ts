import { generateLab, withRunMarker } from './generate-lab';
import { labDocument } from './engines';
import { createLabLanguageService } from '../src/index';
import { ParsedDocuments } from '../src/parsed-documents';
import { defaultInputLimits, inspectInput } from '../src/input-guards';
import { schemaDiagnostics } from '../src/schema-messages';
import { runSemanticChecks } from '../src/semantic-checks';
import { builtInImageCatalog } from '@vlm/schemas';
import { median } from './statistics';
async function main() {
  createLabLanguageService();
  const lab = generateLab(1000);
  const documents = new ParsedDocuments(defaultInputLimits);
  const t: Record<string, number[]> = {};
  const add = (k: string, v: number) => (t[k] ??= []).push(v);
  const names = builtInImageCatalog.images.map((i) => i.name);
  for (let run = 1; run < 25; run++) {
    const doc = labDocument('x', run, withRunMarker(lab, run));
    let s = performance.now();
    inspectInput(doc.getText());
    add('inspect', performance.now() - s);
    s = performance.now();
    const parse = documents.parse(doc);
    add('parse', performance.now() - s);
    s = performance.now();
    schemaDiagnostics(doc, parse, 1001);
    add('schema', performance.now() - s);
    s = performance.now();
    const models = documents.labModels(doc);
    add('models', performance.now() - s);
    s = performance.now();
    for (const model of models) runSemanticChecks({ document: doc, model, imageNames: names, hostFacts: undefined });
    add('semantic', performance.now() - s);
  }
  for (const [k, v] of Object.entries(t)) console.log(k, median(v.slice(5)).toFixed(1));
}
main();

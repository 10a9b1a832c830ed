// Child process of the benchmark: times our service refusing a billion-laughs document, beside
// validating a 10-VM lab, interleaved. A child, so a service that does expand the bomb can be
// killed by the parent instead of hanging the whole benchmark.
import { aliasBomb, generateLab, withRunMarker } from './generate-lab';
import { createOurs, labDocument } from './engines';
import { diagnosticCodes } from '../src/index';

async function main(): Promise<void> {
  const runs = Number(process.argv[2] ?? '20');
  const engine = createOurs();
  const bomb = aliasBomb();
  const smallLab = generateLab(10);
  const bombTimes: number[] = [];
  const smallLabTimes: number[] = [];
  let refused = true;
  let codesSeen: string[] = [];
  for (let run = 0; run < runs + 2; run += 1) {
    let start = performance.now();
    const diagnostics = await engine.validate(labDocument('alias-bomb', run + 1, withRunMarker(bomb, run)));
    const bombTime = performance.now() - start;
    codesSeen = [...new Set(diagnostics.map((diagnostic) => String(diagnostic.code)))];
    if (!codesSeen.includes(diagnosticCodes.aliasLimit)) refused = false;
    start = performance.now();
    await engine.validate(labDocument('alias-bomb-neighbour', run + 1, withRunMarker(smallLab, run)));
    const smallTime = performance.now() - start;
    // The first two rounds warm the JIT and are not counted.
    if (run >= 2) {
      bombTimes.push(bombTime);
      smallLabTimes.push(smallTime);
    }
  }
  console.log(JSON.stringify({ runs, refused, codesSeen, bombTimes, smallLabTimes }));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});

// The cost lens in lab files, the breakdown a click opens (a Markdown preview of a virtual document
// that follows the lab as it is edited), and "Set Cost Model". What the lenses say is decided in
// lab-cost-lenses.ts; this file only gives it to VS Code.
import * as vscode from 'vscode';
import type { CostModel } from '@vlm/schemas';
import { currencyProblem } from '@vlm/webviews/src/expenses/model/money';
import { formatPriceMicros, parsePriceMicros } from '@vlm/webviews/src/costs/cost-model';
import { DashboardStore, dashboardFileName } from '@vlm/webviews/src/store/dashboard-store';
import type { ExtensionScope } from '../extension-scope';
import { labLanguageId } from '../lab-language';
import { costBreakdownMarkdown, costLenses } from './lab-cost-lenses';

const breakdownScheme = 'vlm-cost';
const commandOf = { setCostModel: 'vlm.setCostModel', showBreakdown: 'vlm.showLabCost', none: '' } as const;

export function registerCostLens(scope: ExtensionScope): void {
  const model = new CostModelSource(scope);
  const lenses = new CostLensProvider(model);
  const breakdowns = new CostBreakdowns(model);
  const storageFile = new vscode.RelativePattern(scope.context.globalStorageUri, dashboardFileName);
  const watcher = vscode.workspace.createFileSystemWatcher(storageFile);
  // Another window may set the cost model; the lenses and open breakdowns follow.
  const changed = () => {
    lenses.refresh();
    breakdowns.refreshAll();
  };
  scope.context.subscriptions.push(
    lenses,
    breakdowns,
    watcher,
    watcher.onDidChange(changed),
    watcher.onDidCreate(changed),
    vscode.languages.registerCodeLensProvider({ language: labLanguageId }, lenses),
    vscode.workspace.registerTextDocumentContentProvider(breakdownScheme, breakdowns),
    vscode.workspace.onDidChangeTextDocument((event) => breakdowns.refreshFor(event.document.uri)),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration('vlm.codeLens')) lenses.refresh();
    }),
    vscode.commands.registerCommand('vlm.setCostModel', async () => {
      if (await setCostModel(model)) changed();
    }),
    vscode.commands.registerCommand('vlm.showLabCost', (uri?: vscode.Uri) =>
      breakdowns.show(uri ?? vscode.window.activeTextEditor?.document.uri),
    ),
  );
}

/** The cost model as the dashboard file holds it now; the store is opened on first use. */
class CostModelSource {
  private storeOpening: Promise<DashboardStore> | undefined;

  constructor(private readonly scope: ExtensionScope) {}

  async read(): Promise<{ model: CostModel | undefined } | { problem: string }> {
    try {
      return { model: (await (await this.store()).read()).costModel };
    } catch (error) {
      return { problem: error instanceof Error ? error.message : String(error) };
    }
  }

  async save(model: CostModel): Promise<void> {
    await (await this.store()).update((draft) => {
      draft.costModel = model;
    });
  }

  private store(): Promise<DashboardStore> {
    this.storeOpening ??= DashboardStore.open({
      directory: this.scope.context.globalStorageUri.fsPath,
      log: (line) => this.scope.log.info(line),
    }).catch((error: unknown) => {
      // Not kept: the user may fix the file and try again.
      this.storeOpening = undefined;
      throw error;
    });
    return this.storeOpening;
  }

  get log(): ExtensionScope['log'] {
    return this.scope.log;
  }
}

class CostLensProvider implements vscode.CodeLensProvider {
  private readonly changeEmitter = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changeEmitter.event;

  constructor(private readonly model: CostModelSource) {}

  refresh(): void {
    this.changeEmitter.fire();
  }

  async provideCodeLenses(document: vscode.TextDocument): Promise<vscode.CodeLens[]> {
    if (!vscode.workspace.getConfiguration('vlm', document.uri).get<boolean>('codeLens.enable', true)) return [];
    const read = await this.model.read();
    const lenses =
      'problem' in read
        ? costLenses(document.getText(), undefined).map((lens) => ({
            ...lens,
            title: '$(warning) Cost: the dashboard file cannot be read',
            tooltip: read.problem,
            action: 'none' as const,
          }))
        : costLenses(document.getText(), read.model, vscode.env.language);
    return lenses.map((lens) => {
      const range = new vscode.Range(lens.line, 0, lens.line, 0);
      return new vscode.CodeLens(range, {
        title: lens.title,
        tooltip: lens.tooltip,
        command: commandOf[lens.action],
        arguments: [document.uri],
      });
    });
  }

  dispose(): void {
    this.changeEmitter.dispose();
  }
}

/** `vlm-cost:/LAB-FILE-NAME.cost.md?LAB-FILE-URI`: the breakdown of one lab file, recomputed on each read. */
class CostBreakdowns implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly changeEmitter = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changeEmitter.event;
  private readonly shown = new Map<string, vscode.Uri>();

  constructor(private readonly model: CostModelSource) {}

  async show(lab: vscode.Uri | undefined): Promise<void> {
    if (!lab) {
      await vscode.window.showInformationMessage('Open a lab file (*.lab.yaml) to see its estimated cost.');
      return;
    }
    const name =
      lab.path
        .split('/')
        .pop()
        ?.replace(/\.lab\.ya?ml$/, '') ?? 'lab';
    const uri = vscode.Uri.from({ scheme: breakdownScheme, path: `/${name}.cost.md`, query: lab.toString() });
    this.shown.set(lab.toString(), uri);
    this.changeEmitter.fire(uri);
    try {
      await vscode.commands.executeCommand('markdown.showPreviewToSide', uri);
    } catch (error) {
      // Without the built-in Markdown extension, the Markdown text itself.
      this.model.log.warn(`Could not open the Markdown preview (${String(error)}); showing the breakdown as text.`);
      await vscode.window.showTextDocument(uri, { preview: true, preserveFocus: true, viewColumn: vscode.ViewColumn.Beside });
    }
  }

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const lab = vscode.Uri.parse(uri.query, true);
    // Only a lab a lens was clicked on: a crafted vlm-cost link reads no other file.
    if (!this.shown.has(lab.toString())) return '# Estimated cost\n\nClick the cost lens in the lab file again.\n';
    const document =
      vscode.workspace.textDocuments.find((open) => open.uri.toString() === lab.toString()) ??
      (await vscode.workspace.openTextDocument(lab));
    const read = await this.model.read();
    if ('problem' in read) return `# Estimated cost\n\nThe dashboard file cannot be read: ${read.problem}\n`;
    return costBreakdownMarkdown(document.getText(), read.model, vscode.env.language);
  }

  refreshFor(lab: vscode.Uri): void {
    const uri = this.shown.get(lab.toString());
    if (uri) this.changeEmitter.fire(uri);
  }

  refreshAll(): void {
    for (const uri of this.shown.values()) this.changeEmitter.fire(uri);
  }

  dispose(): void {
    this.changeEmitter.dispose();
  }
}

/** Asks for the currency and the three prices, each checked as it is typed; true when saved. */
async function setCostModel(source: CostModelSource): Promise<boolean> {
  const read = await source.read();
  if ('problem' in read) {
    await vscode.window.showErrorMessage(`The cost model cannot be set: ${read.problem}`);
    return false;
  }
  const current = read.model;
  const title = 'Set Cost Model';
  const currency = await vscode.window.showInputBox({
    title: `${title} (1/4)`,
    prompt: 'Currency of the prices, an ISO 4217 code',
    value: current?.currency ?? 'EUR',
    validateInput: (text) => currencyProblem(text.trim().toUpperCase()),
    ignoreFocusOut: true,
  });
  if (currency === undefined) return false;
  const code = currency.trim().toUpperCase();
  const price = async (step: number, what: string, micros: number | undefined): Promise<number | undefined> => {
    const field = `The price per ${what}`;
    const text = await vscode.window.showInputBox({
      title: `${title} (${step}/4)`,
      prompt: `${code} per ${what}, such as 0.0125 (up to 6 decimals)`,
      value: micros === undefined ? '' : formatPriceMicros(micros),
      validateInput: (value) => {
        const parsed = parsePriceMicros(value, field);
        return 'problem' in parsed ? parsed.problem : undefined;
      },
      ignoreFocusOut: true,
    });
    if (text === undefined) return undefined;
    const parsed = parsePriceMicros(text, field);
    return 'micros' in parsed ? parsed.micros : undefined;
  };
  const vcpuHourMicros = await price(2, 'vCPU-hour', current?.vcpuHourMicros);
  if (vcpuHourMicros === undefined) return false;
  const ramGbHourMicros = await price(3, 'GiB of RAM-hour', current?.ramGbHourMicros);
  if (ramGbHourMicros === undefined) return false;
  const diskGbMonthMicros = await price(4, 'GiB of disk-month', current?.diskGbMonthMicros);
  if (diskGbMonthMicros === undefined) return false;
  try {
    await source.save({ currency: code as CostModel['currency'], vcpuHourMicros, ramGbHourMicros, diskGbMonthMicros });
  } catch (error) {
    await vscode.window.showErrorMessage(`The cost model was not saved: ${error instanceof Error ? error.message : String(error)}`);
    return false;
  }
  source.log.info(
    `Cost model set: ${code}, per vCPU-hour ${formatPriceMicros(vcpuHourMicros)}, per GiB of RAM-hour ${formatPriceMicros(ramGbHourMicros)}, per GiB of disk-month ${formatPriceMicros(diskGbMonthMicros)}.`,
  );
  return true;
}

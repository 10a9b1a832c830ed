// depends_on: every VM named is in the lab, and no VMs wait for each other in a cycle.
import { labRuleCodes } from './codes';
import { didYouMean, type LabPath, type RuleContext, type RuleLab } from './finding';
import type { LabNames } from './names';

/** An edge of the depends_on graph: VM `from` waits for VM `to`, as written at `path`. */
interface Edge {
  from: number;
  to: number;
  path: LabPath;
}

export function checkDependencies(lab: RuleLab, names: LabNames, context: RuleContext): void {
  const vms = lab.vms ?? [];
  const known = [...names.vms.keys()];
  const edges: Edge[][] = vms.map(() => []);
  vms.forEach((vm, index) => {
    (vm.depends_on ?? []).forEach((name, position) => {
      const path = ['vms', index, 'depends_on', position];
      const target = names.vms.get(name);
      if (target !== undefined) {
        edges[index]?.push({ from: index, to: target, path });
        return;
      }
      context.report({
        code: labRuleCodes.undefinedVm,
        path,
        message: `depends_on names '${name}', which is not a VM of this lab.${didYouMean(context, name, known)}`,
      });
    });
  });
  for (const cycle of findCycles(edges)) {
    const cycleNames = cycle.map((edge) => vms[edge.from]?.name ?? '?');
    const text = [...cycleNames, cycleNames[0]].join(' → ');
    for (const edge of cycle) {
      context.report({
        code: labRuleCodes.dependencyCycle,
        path: edge.path,
        message: `depends_on forms a dependency cycle: ${text}. VMs cannot wait for each other to boot.`,
      });
    }
  }
}

/** One cycle per strongly connected component of the graph, from its first VM in the lab. */
export function findCycles(edges: readonly Edge[][]): Edge[][] {
  return stronglyConnected(edges).map((component) => {
    const members = new Set(component);
    const first = Math.min(...component);
    const path: Edge[] = [];
    const positionInPath = new Map<number, number>();
    let current = first;
    while (!positionInPath.has(current)) {
      positionInPath.set(current, path.length);
      const edge = (edges[current] ?? []).find((candidate) => members.has(candidate.to)) as Edge;
      path.push(edge);
      current = edge.to;
    }
    return path.slice(positionInPath.get(current));
  });
}

/** Components with a cycle (more than one VM, or a VM waiting for itself): iterative Tarjan. */
function stronglyConnected(edges: readonly Edge[][]): number[][] {
  const index: number[] = edges.map(() => -1);
  const lowLink: number[] = edges.map(() => -1);
  const onStack = new Set<number>();
  const stack: number[] = [];
  const components: number[][] = [];
  let counter = 0;
  const enter = (vertex: number): void => {
    index[vertex] = counter;
    lowLink[vertex] = counter++;
    stack.push(vertex);
    onStack.add(vertex);
  };
  for (let start = 0; start < edges.length; start++) {
    if (index[start] !== -1) continue;
    const work: Array<{ vertex: number; next: number }> = [{ vertex: start, next: 0 }];
    enter(start);
    while (work.length > 0) {
      const frame = work[work.length - 1] as { vertex: number; next: number };
      const outgoing = edges[frame.vertex] ?? [];
      if (frame.next < outgoing.length) {
        const target = (outgoing[frame.next++] as Edge).to;
        if (index[target] === -1) {
          enter(target);
          work.push({ vertex: target, next: 0 });
        } else if (onStack.has(target)) {
          lowLink[frame.vertex] = Math.min(lowLink[frame.vertex] as number, index[target] as number);
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) lowLink[parent.vertex] = Math.min(lowLink[parent.vertex] as number, lowLink[frame.vertex] as number);
      if (lowLink[frame.vertex] === index[frame.vertex]) {
        const component: number[] = [];
        let member: number;
        do {
          member = stack.pop() as number;
          onStack.delete(member);
          component.push(member);
        } while (member !== frame.vertex);
        const selfLoop = outgoing.some((edge) => edge.to === frame.vertex);
        if (component.length > 1 || selfLoop) components.push(component);
      }
    }
  }
  return components;
}

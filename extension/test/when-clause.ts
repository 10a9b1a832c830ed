// A small evaluator of VS Code `when` clauses (&&, ||, !, parentheses, ==, !=, =~ /regex/), enough
// for the manifest's menus, so tests can ask which menu items a tree row really gets.

export type Context = Record<string, string | boolean | undefined>;

type Token = { kind: 'op'; value: string } | { kind: 'word'; value: string } | { kind: 'regex'; value: RegExp };

function tokens(clause: string): Token[] {
  const result: Token[] = [];
  let index = 0;
  while (index < clause.length) {
    const rest = clause.slice(index);
    const space = /^\s+/.exec(rest);
    if (space) {
      index += space[0].length;
      continue;
    }
    const op = /^(&&|\|\||==|!=|=~|!|\(|\))/.exec(rest);
    if (op?.[0]) {
      result.push({ kind: 'op', value: op[0] });
      index += op[0].length;
      if (op[0] === '=~') {
        const literal = /^\s*\/((?:\\.|[^/\\])*)\/([a-z]*)/.exec(clause.slice(index));
        if (!literal) throw new Error(`no regex after =~ in ${clause}`);
        result.push({ kind: 'regex', value: new RegExp(literal[1] ?? '', literal[2]) });
        index += literal[0].length;
      }
      continue;
    }
    const word = /^[^\s()!=&|]+/.exec(rest);
    if (!word) throw new Error(`cannot read ${rest} in ${clause}`);
    result.push({ kind: 'word', value: word[0] });
    index += word[0].length;
  }
  return result;
}

export function evaluateWhen(clause: string, context: Context): boolean {
  const list = tokens(clause);
  let position = 0;
  const peek = () => list[position];
  const take = () => list[position++];
  const or = (): boolean => {
    let value = and();
    while (peek()?.value === '||') {
      take();
      const right = and();
      value = value || right;
    }
    return value;
  };
  const and = (): boolean => {
    let value = unary();
    while (peek()?.value === '&&') {
      take();
      const right = unary();
      value = value && right;
    }
    return value;
  };
  const unary = (): boolean => {
    if (peek()?.value === '!') {
      take();
      return !unary();
    }
    if (peek()?.value === '(') {
      take();
      const value = or();
      if (take()?.value !== ')') throw new Error(`unbalanced ( in ${clause}`);
      return value;
    }
    const key = take();
    if (key?.kind !== 'word') throw new Error(`expected a key in ${clause}`);
    const actual = key.value === 'true' ? true : key.value === 'false' ? false : context[key.value];
    const operator = peek();
    if (operator?.value === '==' || operator?.value === '!=') {
      take();
      const expected = take();
      const equal = String(actual) === String(expected?.value);
      return operator.value === '==' ? equal : !equal;
    }
    if (operator?.value === '=~') {
      take();
      const pattern = take();
      return pattern?.kind === 'regex' && typeof actual === 'string' && pattern.value.test(actual);
    }
    return Boolean(actual);
  };
  const value = or();
  if (position !== list.length) throw new Error(`unread tokens in ${clause}`);
  return value;
}

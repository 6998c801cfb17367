import { api, button, fail, field, picker, table, td, view, type Json } from './kit.js';
import { fmt, h, lang, say, when } from './ui.js';

/**
 * The console's risk and compliance views (issue 16): #cases, #reviews, #sanctions, #rules,
 * #operators, #audit, and the operator sign-in of /ops/login. Their words, zh and en, are here
 * (`rt`); what a role may do is decided by the API (src/risk/roles.ts) — the views show the
 * signed-in role and offer only the actions it has.
 */
const zh = {
  'AML cases': '可疑交易案件',
  'Review holds': '人工审核',
  Sanctions: '制裁名单',
  'Fraud rules': '风控规则',
  Operators: '运营账号',
  'Audit trail': '审计日志',
  Case: '案件',
  Party: '主体',
  Typology: '类型',
  Day: '日期',
  Amount: '金额',
  Status: '状态',
  Analyst: '分析员',
  Summary: '摘要',
  Assign: '分配给我',
  Report: '上报',
  Close: '关闭',
  Release: '放行',
  Cancel: '取消',
  Payment: '支付',
  Merchant: '商户',
  Held: '挂起时间',
  Reason: '原因',
  'Reason (3+ characters)': '原因（至少 3 个字）',
  Subject: '被筛查名称',
  'Matched name': '命中名称',
  List: '名单',
  Score: '相似度',
  Confirm: '确认命中',
  'False positive': '误报',
  Entries: '条目数',
  Imported: '导入时间',
  Source: '来源',
  Lists: '已导入名单',
  Hits: '命中记录',
  Rule: '规则',
  Version: '版本',
  Action: '动作',
  'Fail mode': '失败处理',
  Backtest: '回测',
  'Backtest: {m} of {n} past payments matched': '回测：过去 {n} 笔支付中命中 {m} 笔',
  Login: '登录名',
  Name: '姓名',
  Role: '角色',
  Created: '创建时间',
  Disable: '停用',
  Enable: '启用',
  'Create operator': '创建运营账号',
  'Email (login)': '邮箱（登录名）',
  'Password (12+)': '密码（至少 12 位）',
  'Operator {login} created. Enrol this secret in an authenticator app now (shown once): {secret}':
    '已创建运营账号 {login}。请立即在身份验证器应用中录入此密钥（仅显示一次）：{secret}',
  Operator: '操作人',
  From: '起',
  To: '止',
  Filter: '筛选',
  At: '时间',
  Target: '对象',
  'Chain verified: {n} rows': '哈希链校验通过：{n} 条',
  'Chain BROKEN at row {n}': '哈希链在第 {n} 条断裂',
  Verify: '校验',
  'Signed in as {name} ({role})': '{name}（{role}）',
  'Your role may not do this.': '您的角色无权执行此操作。',
  none: '无',
  admin: '管理员',
  finance: '财务',
  risk: '风控',
  support: '客服',
  automation: '自动化',
  open: '待处理',
  reported: '已上报',
  closed: '已关闭',
  held: '挂起中',
  released: '已放行',
  canceled: '已取消',
  confirmed: '已确认',
  false_positive: '误报',
  active: '启用',
  disabled: '已停用',
  enabled: '启用',
  structuring: '拆分交易',
  rapid_in_out: '快进快出',
  many_payers: '多人汇入',
} as const satisfies Record<string, string>;
type RiskWord = keyof typeof zh;

export function rt(word: RiskWord, vars?: Readonly<Record<string, string | number>>): string {
  let text: string = lang === 'zh' ? zh[word] : word;
  if (vars !== undefined) for (const [k, v] of Object.entries(vars)) text = text.split(`{${k}}`).join(String(v));
  return text;
}
/** A code (role, status, typology) in words: Chinese from the table, English from the code itself. */
const code = (value: string): string =>
  lang === 'zh' ? (value in zh ? rt(value as RiskWord) : value) : `${value.charAt(0).toUpperCase()}${value.slice(1).replace(/_/g, ' ')}`;

/** The signed-in operator's role ('automation' for the ok_ key); what the views offer follows it. */
let role = 'support';
const may: Record<string, readonly string[]> = {
  admin: ['risk', 'finance', 'admin'],
  finance: ['finance'],
  risk: ['risk'],
  support: [],
  automation: ['risk', 'finance', 'admin'],
};
const can = (area: 'risk' | 'finance' | 'admin') => (may[role] ?? []).includes(area);

/** Shows who is signed in, and keeps the role for the views. */
export function whoAmI(): Promise<void> {
  return api('GET', '/operator_sessions/current').then((s: Json) => {
    role = String(s.role);
    document.body.dataset.role = role;
    const who = document.getElementById('who');
    if (who !== null)
      who.textContent = rt('Signed in as {name} ({role})', { name: s.operator?.name ?? s.operator?.login ?? 'ok_', role: code(role) });
  }, fail);
}

/** PATCH (kit's api has GET, POST and DELETE): the same cookie, CSRF header and problem handling. */
async function patch(path: string, body: unknown): Promise<Json> {
  const csrf = /(?:^|;\s*)hutong_csrf=([^;]*)/.exec(document.cookie)?.[1] ?? '';
  const res = await fetch(`/v1${path}`, {
    method: 'PATCH',
    headers: { accept: 'application/json', 'content-type': 'application/json', 'x-csrf-token': decodeURIComponent(csrf) },
    body: JSON.stringify(body),
    credentials: 'same-origin',
  });
  const json = (await res.json()) as Json;
  if (!res.ok) throw new Error(String(json.detail ?? json.title ?? `HTTP ${res.status}`));
  return json;
}

function reasonInput(id: string): HTMLInputElement {
  return h('input', {
    id,
    class: 'reason',
    minlength: 3,
    maxlength: 500,
    placeholder: rt('Reason (3+ characters)'),
    'aria-label': rt('Reason'),
  });
}
function needsReason(input: HTMLInputElement): string | undefined {
  const reason = input.value.trim();
  if (reason.length >= 3) return reason;
  say(rt('Reason (3+ characters)'));
  input.focus();
  return undefined;
}

export function cases(): void {
  const v = view();
  v.appendChild(h('h2', { text: rt('AML cases') }));
  api('GET', '/risk/cases').then((list: Json) => {
    const rows = (list.data as Json[]).map((c) => {
      const reason = reasonInput(`case-reason-${c.id}`);
      const decide = (decision: 'reported' | 'closed') => () => {
        const why = needsReason(reason);
        if (why !== undefined) api('POST', `/risk/cases/${encodeURIComponent(c.id)}/decision`, { decision, reason: why }).then(cases, fail);
      };
      const actions =
        c.status === 'open' && can('risk')
          ? [
              button(
                null,
                rt('Assign'),
                () => api('POST', `/risk/cases/${encodeURIComponent(c.id)}/assign`, {}).then(cases, fail),
                'assign',
              ),
              reason,
              button(null, rt('Report'), decide('reported'), 'report'),
              button(null, rt('Close'), decide('closed'), 'close'),
            ]
          : [];
      return h(
        'tr',
        { 'data-id': c.id },
        td(c.id),
        td(c.party),
        td(code(c.typology)),
        td(c.period),
        td(fmt(c.amount, c.currency), 'num'),
        h('td', { class: 'status', 'data-status': c.status, text: code(c.status) }),
        td(c.analyst ?? ''),
        td(c.summary),
        h('td', null, actions),
      );
    });
    v.appendChild(
      table(
        [rt('Case'), rt('Party'), rt('Typology'), rt('Day'), `#${rt('Amount')}`, rt('Status'), rt('Analyst'), rt('Summary'), ''],
        rows,
        'cases',
      ),
    );
  }, fail);
}

export function reviews(): void {
  const v = view();
  v.appendChild(h('h2', { text: rt('Review holds') }));
  api('GET', '/risk/reviews').then((list: Json) => {
    const rows = (list.data as Json[]).map((r) => {
      const reason = reasonInput(`review-reason-${r.payment}`);
      const decide = (decision: 'release' | 'cancel') => () => {
        const why = needsReason(reason);
        if (why !== undefined)
          api('POST', `/risk/reviews/${encodeURIComponent(r.payment)}/decision`, { decision, reason: why }).then(reviews, fail);
      };
      return h(
        'tr',
        { 'data-id': r.payment },
        td(r.payment),
        td(r.merchant),
        td(when(r.created_at)),
        h('td', { class: 'status', 'data-status': r.status, text: code(r.status) }),
        td(r.analyst ?? ''),
        td(r.reason ?? ''),
        h(
          'td',
          null,
          r.status === 'held' && can('risk')
            ? [reason, button(null, rt('Release'), decide('release'), 'release'), button(null, rt('Cancel'), decide('cancel'), 'cancel')]
            : [],
        ),
      );
    });
    v.appendChild(table([rt('Payment'), rt('Merchant'), rt('Held'), rt('Status'), rt('Analyst'), rt('Reason'), ''], rows, 'reviews'));
  }, fail);
}

export function sanctions(): void {
  const v = view();
  v.appendChild(h('h2', { text: rt('Sanctions') }));
  v.appendChild(h('h3', { text: rt('Lists') }));
  const lists = h('div');
  const hits = h('div');
  v.append(lists, h('h3', { text: rt('Hits') }), hits);
  api('GET', '/risk/lists').then((list: Json) => {
    lists.appendChild(
      table(
        [rt('List'), `#${rt('Entries')}`, rt('Imported'), rt('Source')],
        (list.data as Json[]).map((l) =>
          h('tr', { 'data-list': l.list }, td(l.list), td(l.entries, 'num'), td(when(l.imported_at)), td(l.source)),
        ),
        'lists',
      ),
    );
  }, fail);
  api('GET', '/risk/hits').then((list: Json) => {
    const rows = (list.data as Json[]).map((x) => {
      const reason = reasonInput(`hit-reason-${x.id}`);
      const decide = (decision: 'confirmed' | 'false_positive') => () => {
        const why = needsReason(reason);
        if (why !== undefined)
          api('POST', `/risk/hits/${encodeURIComponent(x.id)}/decision`, { decision, reason: why }).then(sanctions, fail);
      };
      return h(
        'tr',
        { 'data-id': x.id },
        td(x.subject_name),
        td(x.matched_name),
        td(x.list),
        td(x.score, 'num'),
        td(x.party),
        h('td', { class: 'status', 'data-status': x.status, text: code(x.status) }),
        h(
          'td',
          null,
          x.status === 'open' && can('risk')
            ? [
                reason,
                button(null, rt('Confirm'), decide('confirmed'), 'confirm'),
                button(null, rt('False positive'), decide('false_positive'), 'clear'),
              ]
            : [],
        ),
      );
    });
    hits.appendChild(
      table([rt('Subject'), rt('Matched name'), rt('List'), `#${rt('Score')}`, rt('Party'), rt('Status'), ''], rows, 'hits'),
    );
  }, fail);
}

export function rules(): void {
  const v = view();
  v.appendChild(h('h2', { text: rt('Fraud rules') }));
  const result = h('p', { id: 'backtest-result', class: 'small' });
  api('GET', '/risk/rules').then((list: Json) => {
    const rows = (list.data as Json[]).map((r) =>
      h(
        'tr',
        { 'data-id': r.id },
        td(r.name),
        td(r.version, 'num'),
        td(r.action),
        h('td', { class: 'status', 'data-status': r.status, text: code(r.status) }),
        td(r.fail_mode),
        h('td', null, h('code', { text: JSON.stringify(r.conditions) })),
        h(
          'td',
          null,
          button(
            null,
            rt('Backtest'),
            () =>
              api('POST', '/risk/rules/backtest', { name: r.name, action: r.action, conditions: r.conditions }).then((b: Json) => {
                result.textContent = rt('Backtest: {m} of {n} past payments matched', { m: b.matched, n: b.evaluated });
                result.dataset.matched = String(b.matched);
              }, fail),
            'backtest',
          ),
        ),
      ),
    );
    v.appendChild(table([rt('Rule'), `#${rt('Version')}`, rt('Action'), rt('Status'), rt('Fail mode'), '', ''], rows, 'rules'));
    v.appendChild(result);
  }, fail);
}

export function operators(): void {
  const v = view();
  v.appendChild(h('h2', { text: rt('Operators') }));
  if (can('admin')) {
    const email = h('input', { id: 'operator-email', type: 'email', required: true, maxlength: 100 });
    const name = h('input', { id: 'operator-name', required: true, maxlength: 100 });
    const roleSelect = picker(
      'operator-role',
      (['admin', 'finance', 'risk', 'support'] as const).map((r) => [r, rt(r)] as const),
      'support',
    );
    const password = h('input', { id: 'operator-password', type: 'password', required: true, minlength: 12, autocomplete: 'new-password' });
    const form = h(
      'form',
      { id: 'operator-form', class: 'filters' },
      field('operator-email', rt('Email (login)'), email),
      field('operator-name', rt('Name'), name),
      field('operator-role', rt('Role'), roleSelect),
      field('operator-password', rt('Password (12+)'), password),
      h('div', null, h('button', { type: 'submit', id: 'create-operator', text: rt('Create operator') })),
    );
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      api('POST', '/operators', {
        login: email.value.trim().toLowerCase(),
        name: name.value.trim(),
        role: roleSelect.value,
        password: password.value,
      }).then((o: Json) => {
        operators();
        setTimeout(
          () =>
            say(
              rt('Operator {login} created. Enrol this secret in an authenticator app now (shown once): {secret}', {
                login: o.login,
                secret: o.totp_secret,
              }),
              true,
            ),
          50,
        );
      }, fail);
    });
    v.appendChild(form);
  }
  api('GET', '/operators').then((list: Json) => {
    const rows = (list.data as Json[]).map((o) =>
      h(
        'tr',
        { 'data-id': o.id },
        td(o.login),
        td(o.name),
        td(code(o.role)),
        h('td', { class: 'status', 'data-status': o.status, text: code(o.status) }),
        td(when(o.created_at)),
        h(
          'td',
          null,
          can('admin')
            ? button(
                null,
                o.status === 'active' ? rt('Disable') : rt('Enable'),
                () =>
                  patch(`/operators/${encodeURIComponent(o.id)}`, { status: o.status === 'active' ? 'disabled' : 'active' }).then(
                    operators,
                    fail,
                  ),
                'toggle',
              )
            : null,
        ),
      ),
    );
    v.appendChild(table([rt('Login'), rt('Name'), rt('Role'), rt('Status'), rt('Created'), ''], rows, 'operators'));
  }, fail);
}

export function audit(): void {
  const v = view();
  v.appendChild(h('h2', { text: rt('Audit trail') }));
  const who = h('input', { id: 'audit-operator', maxlength: 100 });
  const what = h('input', { id: 'audit-action', maxlength: 100 });
  const from = h('input', { id: 'audit-from', type: 'date' });
  const to = h('input', { id: 'audit-to', type: 'date' });
  const body = h('div');
  const summary = h('p', { id: 'audit-verify', class: 'small' });
  const form = h(
    'form',
    { id: 'audit-filter', class: 'filters' },
    field('audit-operator', rt('Operator'), who),
    field('audit-action', rt('Action'), what),
    field('audit-from', rt('From'), from),
    field('audit-to', rt('To'), to),
    h('div', null, h('button', { type: 'submit', id: 'audit-apply', text: rt('Filter') })),
    h(
      'div',
      null,
      button('audit-verify-button', rt('Verify'), () =>
        api('GET', '/audit_log/verify').then((r: Json) => {
          summary.textContent = r.ok
            ? rt('Chain verified: {n} rows', { n: r.rows })
            : rt('Chain BROKEN at row {n}', { n: r.broken_at ?? r.brokenAt });
        }, fail),
      ),
    ),
  );
  v.append(form, summary, body);
  // The latest 500 records, filtered here by operator, action and (Beijing-agnostic, UTC) day.
  const render = (records: Json[]) => {
    const by = who.value.trim().toLowerCase();
    const act = what.value.trim().toLowerCase();
    const shown = records.filter(
      (r) =>
        (by === '' || String(r.actor).toLowerCase().includes(by)) &&
        (act === '' || String(r.action).toLowerCase().includes(act)) &&
        (from.value === '' || String(r.at).slice(0, 10) >= from.value) &&
        (to.value === '' || String(r.at).slice(0, 10) <= to.value),
    );
    body.textContent = '';
    body.appendChild(
      table(
        [`#${'seq'}`, rt('At'), rt('Operator'), rt('Action'), rt('Target')],
        shown.map((r) => h('tr', { 'data-seq': r.seq }, td(r.seq, 'num'), td(when(r.at)), td(r.actor), td(r.action), td(r.target ?? ''))),
        'audit',
      ),
    );
  };
  api('GET', '/audit_log?limit=500').then((list: Json) => {
    render(list.data as Json[]);
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      render(list.data as Json[]);
    });
  }, fail);
}

/** /ops/login: email, password and the TOTP code; the session becomes an httpOnly cookie. */
export function operatorSignIn(): void {
  const form = document.getElementById('operator-form');
  if (form === null || document.getElementById('sign-in-page') === null) return;
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const value = (id: string) => (document.getElementById(id) as HTMLInputElement).value;
    api('POST', '/operator_sessions', {
      login: value('email').trim().toLowerCase(),
      password: value('password'),
      code: value('code').trim(),
      browser: true,
    }).then(
      () => location.assign('/ops'),
      (error: unknown) => {
        (document.getElementById('password') as HTMLInputElement).value = '';
        (document.getElementById('code') as HTMLInputElement).value = '';
        fail(error);
      },
    );
  });
}

// Hash routes (#/live, #/transactions/<id>, #/alerts, #/drift, #/models, #/settings): the server only has to serve
// index.html at /.
export const VIEWS = ['live', 'alerts', 'drift', 'models', 'settings'] as const;
export type View = (typeof VIEWS)[number] | 'transaction';

export interface Route {
  view: View;
  id?: string | undefined;
}

export function parseHash(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/');
  if (parts[0] === 'transactions' && parts[1]) return { view: 'transaction', id: decodeURIComponent(parts[1]) };
  const view = VIEWS.find((v) => v === parts[0]);
  return { view: view ?? 'live' };
}

export const route = $state<Route>(parseHash(typeof location === 'undefined' ? '' : location.hash));

if (typeof window !== 'undefined') {
  window.addEventListener('hashchange', () => {
    const next = parseHash(location.hash);
    route.view = next.view;
    route.id = next.id;
  });
}

export const transactionHref = (id: string): string => `#/transactions/${encodeURIComponent(id)}`;

import { render } from 'svelte/server';
import { describe, expect, it } from 'vitest';
import Status from './Status.svelte';

describe('Status', () => {
  it('says the error first, then loading, then empty', () => {
    expect(render(Status, { props: { error: 'The server cannot be reached', loading: true } }).body).toMatch(
      /role="alert"[^>]*>The server cannot be reached/,
    );
    expect(render(Status, { props: { loading: true, empty: true } }).body).toContain('Loading…');
    expect(render(Status, { props: { empty: true, emptyText: 'No alerts yet.' } }).body).toContain('No alerts yet.');
  });
});

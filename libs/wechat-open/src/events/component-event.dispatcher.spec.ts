import { describe, expect, it } from 'vitest';
import { filterMatches } from './component-event.dispatcher.js';

describe('filterMatches (which @OnComponentEvent filters admit a push)', () => {
  it('matches the InfoType case-insensitively, a list, `*` and an omitted one', () => {
    expect(filterMatches({ infoType: 'WXA_NICKNAME_AUDIT' }, 'wxc', 'wxa_nickname_audit')).toBe(
      true,
    );
    expect(filterMatches({ infoType: ['authorized', 'unauthorized'] }, 'wxc', 'unauthorized')).toBe(
      true,
    );
    expect(filterMatches({ infoType: 'authorized' }, 'wxc', 'unauthorized')).toBe(false);
    expect(filterMatches({ infoType: '*' }, 'wxc', 'notify_something_new')).toBe(true);
    expect(filterMatches({}, 'wxc', 'notify_something_new')).toBe(true);
  });

  it('matches the component exactly', () => {
    expect(filterMatches({ componentAppid: 'wxc' }, 'wxc', 'authorized')).toBe(true);
    expect(filterMatches({ componentAppid: ['wxd'] }, 'wxc', 'authorized')).toBe(false);
  });

  it('gives the verify ticket only to filters that name it', () => {
    expect(filterMatches({}, 'wxc', 'component_verify_ticket')).toBe(false);
    expect(filterMatches({ infoType: '*' }, 'wxc', 'component_verify_ticket')).toBe(false);
    expect(filterMatches({ infoType: ['*', 'authorized'] }, 'wxc', 'component_verify_ticket')).toBe(
      false,
    );
    expect(
      filterMatches({ infoType: 'Component_Verify_Ticket' }, 'wxc', 'component_verify_ticket'),
    ).toBe(true);
    expect(
      filterMatches(
        { infoType: ['component_verify_ticket'], componentAppid: 'wxd' },
        'wxc',
        'component_verify_ticket',
      ),
    ).toBe(false);
  });
});

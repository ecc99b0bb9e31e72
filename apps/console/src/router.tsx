import { useEffect, useState, type AnchorHTMLAttributes, type MouseEvent } from 'react';

/** History routing under /console/: the platform serves index.html for any such path. */
export const BASE = '/console';

const current = () => {
  const path = window.location.pathname;
  const inner = path.startsWith(BASE) ? path.slice(BASE.length) : path;
  return inner === '' ? '/' : inner;
};

export function navigate(to: string): void {
  window.history.pushState(null, '', BASE + to);
  window.dispatchEvent(new PopStateEvent('popstate'));
}

/** The path inside the console ('/', '/accounts', ...), following back/forward. */
export function usePath(): string {
  const [path, setPath] = useState(current);
  useEffect(() => {
    const onPop = () => {
      setPath(current());
      window.scrollTo(0, 0);
    };
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);
  return path;
}

type LinkProps = Omit<AnchorHTMLAttributes<HTMLAnchorElement>, 'href'> & { to: string };

/** A real link (open in a new tab works) that navigates in place on a plain click. */
export function Link({ to, onClick, ...rest }: LinkProps) {
  const click = (e: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(e);
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey)
      return;
    e.preventDefault();
    navigate(to);
  };
  return <a href={BASE + to} onClick={click} {...rest} />;
}

// Renders node documentation from the Markdown subset of markdown.ts, as React elements.

import { type Inline, parseMarkdown } from './markdown';

function Inlines({ items }: { items: Inline[] }) {
  return (
    <>
      {items.map((it, i) =>
        it.kind === 'code' ? <code key={i}>{it.text}</code> : it.kind === 'strong' ? <strong key={i}>{it.text}</strong> : it.kind === 'em' ? <em key={i}>{it.text}</em> : <span key={i}>{it.text}</span>,
      )}
    </>
  );
}

export function Markdown({ text }: { text: string }) {
  return (
    <div className="ps-markdown">
      {parseMarkdown(text).map((b, i) => {
        switch (b.kind) {
          case 'p':
            return (
              <p key={i}>
                <Inlines items={b.inlines} />
              </p>
            );
          case 'h':
            return (
              <h4 key={i}>
                <Inlines items={b.inlines} />
              </h4>
            );
          case 'code':
            return <pre key={i}>{b.text}</pre>;
          case 'ul':
          case 'ol': {
            const Tag = b.kind;
            return (
              <Tag key={i}>
                {b.items.map((it, j) => (
                  <li key={j}>
                    <Inlines items={it} />
                  </li>
                ))}
              </Tag>
            );
          }
        }
      })}
    </div>
  );
}

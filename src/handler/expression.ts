/** DynamoDB expression placeholders (`#n0`, `:v0`) for the names and values of one request. */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';

/** Placeholders for names and values of one request's expressions. */
export class Expression {
  public readonly names: Record<string, string> = {};
  public readonly values: Record<string, AttributeValue> = {};
  private readonly byName = new Map<string, string>();

  public name(attribute: string): string {
    let p = this.byName.get(attribute);
    if (!p) {
      p = `#n${this.byName.size}`;
      this.byName.set(attribute, p);
      this.names[p] = attribute;
    }
    return p;
  }

  public value(v: AttributeValue): string {
    const p = `:v${Object.keys(this.values).length}`;
    this.values[p] = v;
    return p;
  }

  /** The parts of a request that carry the placeholders (omitting empty maps, which DynamoDB rejects). */
  public params(): { ExpressionAttributeNames?: Record<string, string>; ExpressionAttributeValues?: Record<string, AttributeValue> } {
    return {
      ...(Object.keys(this.names).length ? { ExpressionAttributeNames: this.names } : {}),
      ...(Object.keys(this.values).length ? { ExpressionAttributeValues: this.values } : {}),
    };
  }
}
